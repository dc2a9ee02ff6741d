import { settle } from '../test/fakes';
import { asyncStorage, memoryStorage, webStorage } from './storage';
import { Store } from './store';

/** A synchronous Web Storage, as a browser's localStorage behaves. */
class FakeWebStorage {
  readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

/** AsyncStorage's shape: every call async, answering after a delay that differs per call. */
class FakeAsyncStorage {
  readonly items = new Map<string, string>();
  readonly writes: string[] = [];
  private delays = [3, 0, 2, 1];
  private n = 0;
  private later<T>(fn: () => T): Promise<T> {
    const ms = this.delays[this.n++ % this.delays.length];
    return new Promise((resolve) => setTimeout(() => resolve(fn()), ms));
  }
  getItem(key: string): Promise<string | null> {
    return this.later(() => this.items.get(key) ?? null);
  }
  setItem(key: string, value: string): Promise<void> {
    return this.later(() => {
      this.writes.push(value);
      this.items.set(key, value);
    });
  }
  removeItem(key: string): Promise<void> {
    return this.later(() => void this.items.delete(key));
  }
}

describe('storage adapters', () => {
  it.each([
    ['memoryStorage', () => memoryStorage()],
    ['webStorage (localStorage)', () => webStorage(new FakeWebStorage())],
    ['asyncStorage (AsyncStorage)', () => asyncStorage(new FakeAsyncStorage())],
  ])('%s stores, reads and removes', async (_name, make) => {
    const sut = make();
    expect(await sut.getItem('k')).toBeNull();
    await sut.setItem('k', 'v');
    expect(await sut.getItem('k')).toBe('v');
    await sut.removeItem('k');
    expect(await sut.getItem('k')).toBeNull();
  });

  it('webStorage uses the global localStorage by default, and says so when there is none', () => {
    expect(() => webStorage()).toThrow('no localStorage');
  });
});

describe(Store.name, () => {
  const identity = { visitorId: 'v', token: 't', channel: 'mobile_app' as const };

  it('keeps identity, outbox and cursors under its prefix, and a new Store on the same storage reads them', async () => {
    const storage = memoryStorage();
    const sut = new Store(storage, 'app1');
    await sut.saveIdentity(identity);
    await sut.saveOutbox([
      { clientMessageId: 'a', text: 'x', state: 'pending', queuedAt: '', attempts: 0 },
      { clientMessageId: 'b', text: 'y', state: 'sent', queuedAt: '', attempts: 1 },
    ]);
    await sut.saveCursors({ c: 'm' });
    await sut.flush();

    const again = new Store(storage, 'app1');
    expect(await again.identity()).toEqual(identity);
    expect((await again.outbox()).map((e) => e.clientMessageId)).toEqual(['a']);
    expect(await again.cursors()).toEqual({ c: 'm' });
    expect(Object.keys(storage.snapshot()).sort()).toEqual(['app1.cursors', 'app1.outbox', 'app1.visitor']);
    expect(await new Store(storage, 'app2').identity()).toBeUndefined();
  });

  it('treats unreadable or foreign values as absent', async () => {
    const storage = memoryStorage({
      'p.visitor': '{"visitorId": 3}',
      'p.outbox': 'not json',
      'p.cursors': '[1]',
    });
    const sut = new Store(storage, 'p');
    expect(await sut.identity()).toBeUndefined();
    expect(await sut.outbox()).toEqual([]);
    expect(await sut.cursors()).toEqual({});
  });

  it('writes in the order asked even when the storage answers out of order, coalescing cursor bursts', async () => {
    const storage = new FakeAsyncStorage();
    const sut = new Store(asyncStorage(storage), 'p');
    for (let i = 1; i <= 5; i++) void sut.saveCursors({ c: `m${i}` });
    await sut.saveOutbox([{ clientMessageId: 'a', text: 'x', state: 'pending', queuedAt: '', attempts: 0 }]);
    await sut.saveOutbox([]);
    await sut.flush();
    await settle();
    expect(storage.items.get('p.cursors')).toBe('{"c":"m5"}');
    expect(storage.writes.filter((w) => w.includes('"c"')).length).toBeLessThanOrEqual(2);
    expect(storage.items.has('p.outbox')).toBe(false);
  });
});
