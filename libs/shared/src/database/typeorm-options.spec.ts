import { BeginRidesClient } from './begin-rides';
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

  it("opens the pool's sessions with a client whose BEGIN rides with the first statement", () => {
    expect(typeOrmOptions(base).extra).toMatchObject({ Client: BeginRidesClient });
  });

  it('takes DATABASE_POOL_IDLE_TIMEOUT_MS, 0 keeping them for good', () => {
    const sut = typeOrmOptions({ ...base, timeouts: { DATABASE_POOL_IDLE_TIMEOUT_MS: 0 } });
    expect(sut.extra).toMatchObject({ idleTimeoutMillis: 0 });
  });
});
