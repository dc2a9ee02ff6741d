import { typeOrmOptions } from './typeorm-options';

const base = {
  url: 'postgres://postgres@127.0.0.1:5432/pupitre',
  schema: 'routing',
  entities: [],
  migrations: [],
};

describe(typeOrmOptions.name, () => {
  it('keeps idle sessions of the pool open for 5 minutes by default, ten at most', () => {
    expect(typeOrmOptions(base).extra).toMatchObject({ max: 10, idleTimeoutMillis: 300_000 });
  });

  it('keeps no session for good by default; DATABASE_POOL_MIN of them when set, never over the pool', () => {
    expect(typeOrmOptions(base).extra).toMatchObject({ min: 0 });
    expect(typeOrmOptions({ ...base, timeouts: { DATABASE_POOL_MIN: 4 } }).extra).toMatchObject({ min: 4 });
    const small = typeOrmOptions({ ...base, poolSize: 2, timeouts: { DATABASE_POOL_MIN: 4 } });
    expect(small.extra).toMatchObject({ max: 2, min: 2 });
  });

  it('takes DATABASE_POOL_IDLE_TIMEOUT_MS, 0 keeping them for good', () => {
    const sut = typeOrmOptions({ ...base, timeouts: { DATABASE_POOL_IDLE_TIMEOUT_MS: 0 } });
    expect(sut.extra).toMatchObject({ idleTimeoutMillis: 0 });
  });
});
