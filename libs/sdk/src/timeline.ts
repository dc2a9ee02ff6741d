import type { Message } from './types';

/**
 * What the app has been shown, so that it sees every message once and in order. Messages come from
 * the live socket and from history pages fetched after a reconnect; while such a resync runs, live
 * messages wait, and are let through after it (those the history already gave are dropped). A
 * message id already shown is never shown again. The cursor of a conversation is the last message
 * shown in it: where the next resync asks the history to start.
 */
export class Timeline {
  private readonly shown = new Set<string>();
  private readonly cursors = new Map<string, string>();
  private held: (Message | (() => void))[] | null = null;
  private closed = false;

  constructor(
    private readonly show: (message: Message) => void,
    private readonly onCursor: (cursors: Record<string, string>) => void = () => undefined,
  ) {}

  restoreCursors(cursors: Record<string, string>): void {
    for (const [conversationId, messageId] of Object.entries(cursors))
      this.cursors.set(conversationId, messageId);
  }

  cursor(conversationId: string): string | undefined {
    return this.cursors.get(conversationId);
  }

  /** A closed conversation gets no more messages: no resync needs to look at it again. */
  forget(conversationId: string): void {
    if (this.cursors.delete(conversationId)) this.onCursor(Object.fromEntries(this.cursors));
  }

  /**
   * The client stopped: nothing more is shown and no cursor moves (a history page answering late
   * would otherwise be shown to no one, yet skipped by the next run).
   */
  close(): void {
    this.closed = true;
    this.held = null;
  }

  open(): void {
    this.closed = false;
  }

  get syncing(): boolean {
    return this.held !== null;
  }

  /** From the socket: shown now, or after the resync in progress. */
  live(message: Message): void {
    if (this.held) this.held.push(message);
    else this.accept(message);
  }

  /** Something the socket said after its messages (a close, a queue move): kept in the same order. */
  after(action: () => void): void {
    if (this.closed) return;
    if (this.held) this.held.push(action);
    else action();
  }

  /** From a history page (oldest first), during a resync. */
  fromHistory(messages: readonly Message[]): void {
    messages.forEach((m) => this.accept(m));
  }

  beginSync(): void {
    this.held ??= [];
  }

  /** Lets through what the socket said meanwhile, in the order it said it. */
  endSync(): void {
    const held = this.held ?? [];
    this.held = null;
    held.forEach((item) => (typeof item === 'function' ? item() : this.accept(item)));
  }

  private accept(message: Message): void {
    if (this.closed || this.shown.has(message.id)) return;
    this.shown.add(message.id);
    this.cursors.set(message.conversationId, message.id);
    this.onCursor(Object.fromEntries(this.cursors));
    this.show(message);
  }
}
