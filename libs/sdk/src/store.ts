import type { OutboxEntry } from './outbox-entry';
import type { KeyValueStorage } from './storage';
import type { Channel } from './types';

export interface Identity {
  visitorId: string;
  token: string;
  channel: Channel;
}

/** Last message seen per conversation: where a resync asks the history to start. */
export type Cursors = Record<string, string>;

function parse<T>(raw: string | null, valid: (v: unknown) => v is T): T | undefined {
  if (raw === null) return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    return valid(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

const isIdentity = (v: unknown): v is Identity =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as Identity).visitorId === 'string' &&
  typeof (v as Identity).token === 'string' &&
  typeof (v as Identity).channel === 'string';

const isEntry = (v: unknown): v is OutboxEntry =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as OutboxEntry).clientMessageId === 'string' &&
  typeof (v as OutboxEntry).text === 'string' &&
  ((v as OutboxEntry).state === 'pending' || (v as OutboxEntry).state === 'failed');

const isEntries = (v: unknown): v is OutboxEntry[] => Array.isArray(v) && v.every(isEntry);

const isCursors = (v: unknown): v is Cursors =>
  typeof v === 'object' && v !== null && Object.values(v).every((c) => typeof c === 'string');

/**
 * The SDK's state in the app's storage, under `<prefix>.visitor`, `.outbox`, `.cursors`. Writes
 * happen one after the other, in the order asked, and a burst of cursor moves becomes one write.
 * Unreadable values count as absent (an app update must never crash on old data).
 */
export class Store {
  private chain: Promise<void> = Promise.resolve();
  private cursorWrite: Cursors | null = null;

  constructor(
    private readonly storage: KeyValueStorage,
    private readonly prefix: string,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  private key(name: string): string {
    return `${this.prefix}.${name}`;
  }

  private write(op: () => Promise<void>): Promise<void> {
    const next = this.chain.then(op);
    this.chain = next.catch((err: unknown) => this.onError(err));
    return next;
  }

  async identity(): Promise<Identity | undefined> {
    return parse(await this.storage.getItem(this.key('visitor')), isIdentity);
  }

  saveIdentity(identity: Identity | undefined): Promise<void> {
    return this.write(() =>
      identity
        ? this.storage.setItem(this.key('visitor'), JSON.stringify(identity))
        : this.storage.removeItem(this.key('visitor')),
    );
  }

  async outbox(): Promise<OutboxEntry[]> {
    return parse(await this.storage.getItem(this.key('outbox')), isEntries) ?? [];
  }

  /** Pending and failed entries; sent ones are dropped (the server has them). */
  saveOutbox(entries: readonly OutboxEntry[]): Promise<void> {
    const kept = entries.filter((e) => e.state !== 'sent');
    return this.write(() =>
      kept.length === 0
        ? this.storage.removeItem(this.key('outbox'))
        : this.storage.setItem(this.key('outbox'), JSON.stringify(kept)),
    );
  }

  async cursors(): Promise<Cursors> {
    return parse(await this.storage.getItem(this.key('cursors')), isCursors) ?? {};
  }

  saveCursors(cursors: Cursors): Promise<void> {
    const queued = this.cursorWrite !== null;
    this.cursorWrite = { ...cursors };
    if (queued) return this.chain;
    return this.write(async () => {
      const latest = this.cursorWrite ?? {};
      this.cursorWrite = null;
      await this.storage.setItem(this.key('cursors'), JSON.stringify(latest));
    });
  }

  /** Resolves once every write asked so far is done. */
  flush(): Promise<void> {
    return this.chain;
  }
}
