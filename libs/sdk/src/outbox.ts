import { backoffDelay, type BackoffPolicy, DEFAULT_BACKOFF } from './backoff';
import type { Clock } from './clock';
import { PupitreError } from './errors';
import type { OutboxEntry } from './outbox-entry';
import type { PostedMessage } from './types';

export interface OutboxDeps {
  /** Sends one message; rejects with a PupitreError. */
  /** `attempt`: 1 for the first try of this message, 2 for its first retry, and so on. */
  post(entry: { text: string; clientMessageId: string; attempt: number }): Promise<PostedMessage>;
  /** Keeps pending and failed entries where a restarted app finds them. */
  persist(entries: readonly OutboxEntry[]): Promise<void>;
  /** Each state change, and each retryable failure of a pending entry. */
  onChange(entry: OutboxEntry): void;
  clock: Clock;
  random: () => number;
  backoff?: BackoffPolicy;
}

const RECENT = 500;

const asError = (err: unknown): PupitreError =>
  err instanceof PupitreError
    ? err
    : new PupitreError('NETWORK_ERROR', err instanceof Error ? err.message : String(err));

/**
 * The app's messages on their way to the server. Strict order, one in flight: the oldest pending
 * entry is sent, retried under the same clientMessageId (exponential backoff with full jitter, never
 * sooner than a Retry-After) until the server answers, and only then does the next one leave. A
 * refusal that will not change (a 4xx other than 408/429) fails that entry and the queue moves on.
 */
export class Outbox {
  private entries: OutboxEntry[] = [];
  private inFlight = false;
  private stopped = true;
  private timer: unknown = undefined;
  private nextAttemptAt = 0;
  private readonly waiters = new Map<string, ((entry: OutboxEntry) => void)[]>();
  /** The last entries sent, so that settled() can still answer for them. */
  private readonly recent = new Map<string, OutboxEntry>();

  constructor(private readonly deps: OutboxDeps) {}

  /** Entries a previous run left (pending ones will be sent again, under their clientMessageId). */
  restore(entries: readonly OutboxEntry[]): void {
    const known = new Set(this.entries.map((e) => e.clientMessageId));
    this.entries.push(...entries.filter((e) => !known.has(e.clientMessageId)).map((e) => ({ ...e })));
  }

  list(): OutboxEntry[] {
    return this.entries.map((e) => ({ ...e }));
  }

  get(clientMessageId: string): OutboxEntry | undefined {
    const entry = this.entries.find((e) => e.clientMessageId === clientMessageId);
    return entry && { ...entry };
  }

  /** Queues a message, once stored; it leaves after every pending one before it. */
  async add(text: string, clientMessageId: string, queuedAt: string): Promise<OutboxEntry> {
    const entry: OutboxEntry = { clientMessageId, text, state: 'pending', queuedAt, attempts: 0 };
    this.entries.push(entry);
    try {
      await this.deps.persist(this.entries);
    } catch (err) {
      // Not stored, so not accepted: the app hears the failure and the message never leaves.
      this.entries = this.entries.filter((e) => e !== entry);
      throw err;
    }
    this.deps.onChange({ ...entry });
    this.pump();
    return { ...entry };
  }

  /** Resolves once the entry is sent or failed (at once if it already is; undefined if unknown). */
  settled(clientMessageId: string): Promise<OutboxEntry | undefined> {
    const entry =
      this.entries.find((e) => e.clientMessageId === clientMessageId) ?? this.recent.get(clientMessageId);
    if (!entry || entry.state !== 'pending') return Promise.resolve(entry && { ...entry });
    return new Promise((resolve) => {
      const list = this.waiters.get(clientMessageId) ?? [];
      list.push(resolve);
      this.waiters.set(clientMessageId, list);
    });
  }

  /** A failed entry goes back to pending, at the end of the queue, same clientMessageId. */
  async retry(clientMessageId: string): Promise<void> {
    const index = this.entries.findIndex((e) => e.clientMessageId === clientMessageId);
    if (index < 0 || this.entries[index].state !== 'failed') return;
    const [entry] = this.entries.splice(index, 1);
    const again: OutboxEntry = { ...entry, state: 'pending', attempts: 0, error: undefined };
    this.entries.push(again);
    await this.deps.persist(this.entries);
    this.deps.onChange({ ...again });
    this.pump();
  }

  /** Forgets a failed entry (a pending one may already be on the wire: it cannot be taken back). */
  async discard(clientMessageId: string): Promise<void> {
    const index = this.entries.findIndex((e) => e.clientMessageId === clientMessageId);
    if (index < 0 || this.entries[index].state !== 'failed') return;
    this.entries.splice(index, 1);
    await this.deps.persist(this.entries);
  }

  start(): void {
    this.stopped = false;
    this.pump();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimer();
  }

  /** The network is back (a socket reconnected): try the head now instead of after its backoff. */
  wake(): void {
    this.nextAttemptAt = 0;
    this.clearTimer();
    this.pump();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private pump(): void {
    if (this.stopped || this.inFlight || this.timer !== undefined) return;
    const head = this.entries.find((e) => e.state === 'pending');
    if (!head) return;
    const wait = this.nextAttemptAt - this.deps.clock.now();
    if (wait > 0) {
      this.timer = this.deps.clock.setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, wait);
      return;
    }
    this.inFlight = true;
    void this.attempt(head).finally(() => {
      this.inFlight = false;
      this.pump();
    });
  }

  private async attempt(entry: OutboxEntry): Promise<void> {
    entry.attempts += 1;
    try {
      const posted = await this.deps.post({
        text: entry.text,
        clientMessageId: entry.clientMessageId,
        attempt: entry.attempts,
      });
      Object.assign(entry, {
        state: 'sent',
        conversationId: posted.conversationId,
        messageId: posted.messageId,
        createdAt: posted.createdAt,
        error: undefined,
      });
      this.nextAttemptAt = 0;
      this.entries = this.entries.filter((e) => e !== entry);
      this.recent.set(entry.clientMessageId, { ...entry });
      if (this.recent.size > RECENT) this.recent.delete(this.recent.keys().next().value as string);
    } catch (err) {
      const error = asError(err);
      entry.error = { code: error.code, message: error.message };
      if (error.retryable) {
        const delay = backoffDelay(
          entry.attempts,
          this.deps.random,
          this.deps.backoff ?? DEFAULT_BACKOFF,
          error.retryAfterMs,
        );
        this.nextAttemptAt = this.deps.clock.now() + delay;
        // The count survives a restart, so the next try after it still says it is a retry (X-Attempt).
        await this.deps.persist(this.entries).catch(() => undefined);
        this.deps.onChange({ ...entry });
        return;
      }
      entry.state = 'failed';
      this.nextAttemptAt = 0;
    }
    await this.deps.persist(this.entries).catch(() => undefined);
    this.deps.onChange({ ...entry });
    const waiting = this.waiters.get(entry.clientMessageId) ?? [];
    this.waiters.delete(entry.clientMessageId);
    waiting.forEach((resolve) => resolve({ ...entry }));
  }
}
