/**
 * Where the SDK keeps the visitor's identity, its outbox and its history cursors. Anything shaped
 * like React Native's AsyncStorage fits (sync or async methods alike); `webStorage` wraps
 * `localStorage`, `memoryStorage` keeps nothing past the process.
 */
export interface StorageLike {
  getItem(key: string): Promise<string | null> | string | null;
  setItem(key: string, value: string): Promise<void> | void;
  removeItem(key: string): Promise<void> | void;
}

/** The async shape the SDK uses inside. */
export interface KeyValueStorage {
  getItem(key: string): Promise<string | null>;
  setItem(key: string, value: string): Promise<void>;
  removeItem(key: string): Promise<void>;
}

/** Kept in memory only: what a test or a server-side script wants; lost when the process ends. */
export function memoryStorage(initial: Record<string, string> = {}): KeyValueStorage & {
  snapshot(): Record<string, string>;
} {
  const items = new Map(Object.entries(initial));
  return {
    getItem: async (key) => items.get(key) ?? null,
    setItem: async (key, value) => void items.set(key, value),
    removeItem: async (key) => void items.delete(key),
    snapshot: () => Object.fromEntries(items),
  };
}

/** An AsyncStorage-shaped object (`@react-native-async-storage/async-storage`), or any `StorageLike`. */
export function asyncStorage(storage: StorageLike): KeyValueStorage {
  return {
    getItem: async (key) => (await storage.getItem(key)) ?? null,
    setItem: async (key, value) => void (await storage.setItem(key, value)),
    removeItem: async (key) => void (await storage.removeItem(key)),
  };
}

/** The browser's `localStorage` (or `sessionStorage`, or any Web Storage). */
export function webStorage(
  storage: StorageLike | undefined = (globalThis as { localStorage?: StorageLike }).localStorage,
): KeyValueStorage {
  if (!storage) throw new TypeError('webStorage: no localStorage here; pass a Storage');
  return asyncStorage(storage);
}
