import { CachedCheck } from './cached-check';

describe(CachedCheck.name, () => {
  const fallback = (err: Error) => `failed: ${err.message}`;

  it('reuses a fresh value: a burst of probes makes one check', async () => {
    let calls = 0;
    const sut = new CachedCheck(async () => `ok ${++calls}`, fallback, 1000, 500);
    const answers = await Promise.all([sut.get(0), sut.get(0), sut.get(0)]);
    expect(answers).toEqual(['ok 1', 'ok 1', 'ok 1']);
    expect(await sut.get(Date.now())).toBe('ok 1');
    expect(calls).toBe(1);
  });

  it('checks again once the value is older than the ttl', async () => {
    let calls = 0;
    const sut = new CachedCheck(async () => `ok ${++calls}`, fallback, 1000, 500);
    await sut.get();
    expect(await sut.get(Date.now() + 1001)).toBe('ok 2');
  });

  it('a failing check answers the fallback', async () => {
    const sut = new CachedCheck<string>(() => Promise.reject(new Error('refused')), fallback, 1000, 500);
    expect(await sut.get()).toBe('failed: refused');
  });

  it('a check that hangs answers the fallback after the timeout, and is not started again meanwhile', async () => {
    let calls = 0;
    const sut = new CachedCheck<string>(
      () => {
        calls++;
        return new Promise(() => undefined);
      },
      fallback,
      0,
      20,
    );
    expect(await sut.get()).toBe('failed: no answer within 20 ms');
    expect(await sut.get()).toBe('failed: no answer within 20 ms');
    expect(calls).toBe(1);
  });
});
