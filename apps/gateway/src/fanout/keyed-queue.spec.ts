import { KeyedQueue } from './keyed-queue';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe(KeyedQueue.name, () => {
  it('runs one key in order, even when an earlier task is slower', async () => {
    const sut = new KeyedQueue(() => undefined);
    const order: string[] = [];
    const slow = deferred();
    const first = sut.run('c1', async () => {
      await slow.promise;
      order.push('first');
    });
    const second = sut.run('c1', () => void order.push('second'));
    slow.resolve();
    await Promise.all([first, second]);
    expect(order).toEqual(['first', 'second']);
  });

  it('does not hold other keys back', async () => {
    const sut = new KeyedQueue(() => undefined);
    const blocked = deferred();
    const order: string[] = [];
    void sut.run('c1', () => blocked.promise.then(() => void order.push('c1')));
    await sut.run('c2', () => void order.push('c2'));
    expect(order).toEqual(['c2']);
    blocked.resolve();
  });

  it('a failing task is reported and the next one still runs', async () => {
    const errors: string[] = [];
    const sut = new KeyedQueue((key, err) => errors.push(`${key}: ${(err as Error).message}`));
    void sut.run('c1', () => Promise.reject(new Error('boom')));
    let ran = false;
    await sut.run('c1', () => void (ran = true));
    expect(errors).toEqual(['c1: boom']);
    expect(ran).toBe(true);
  });

  it('forgets keys once idle', async () => {
    const sut = new KeyedQueue(() => undefined);
    await sut.run('c1', () => undefined);
    await Promise.resolve();
    expect(sut.size).toBe(0);
  });
});
