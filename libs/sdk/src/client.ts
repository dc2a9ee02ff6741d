import { backoffDelay, type BackoffPolicy, DEFAULT_BACKOFF } from './backoff';
import { type Clock, systemClock } from './clock';
import { Emitter } from './emitter';
import { PupitreError } from './errors';
import { type FetchLike, Http } from './http';
import { newClientMessageId } from './ids';
import { Outbox } from './outbox';
import type { OutboxEntry } from './outbox-entry';
import { Session } from './session';
import { type SocketFactory, type SocketLike, socketIoFactory } from './socket';
import { asyncStorage, memoryStorage, type StorageLike } from './storage';
import { Store } from './store';
import { Timeline } from './timeline';
import type {
  Channel,
  CloseReason,
  ConversationClosed,
  ConversationSummary,
  Message,
  MessagePage,
  Platform,
  PostedMessage,
  PushToken,
  QueueUpdate,
} from './types';

/** `connecting` (no socket yet), `syncing` (connected, fetching what was missed), `connected`, `disconnected`. */
export type ConnectionState = 'connecting' | 'syncing' | 'connected' | 'disconnected';

/** What a client tells the app. */
export interface ClientEvents {
  /** Every message of the visitor's conversations (their own included), once each, in order. */
  message: Message;
  conversationClosed: ConversationClosed;
  /** The visitor's place in the queue while their conversation waits for an agent. */
  queue: QueueUpdate;
  connectionState: ConnectionState;
  /** An outbox entry changed (queued, retried after a failure, sent, failed). */
  outbox: OutboxEntry;
  /** A visitor was registered (first start, or the stored one could not be used any more). */
  visitor: { visitorId: string; previousVisitorId?: string };
  /** Something went wrong in the background (a resync, a reconnection); the client keeps trying. */
  error: PupitreError;
}

export interface ClientOptions {
  /** The gateway, e.g. `https://chat.example.com`. */
  baseUrl: string;
  channel: Channel;
  platform?: Platform;
  /** The visitor's name, sent when registering. */
  name?: string;
  /** Where the visitor, the outbox and the cursors live: memory by default; `localStorage` or AsyncStorage for real apps. */
  storage?: StorageLike;
  /** Prefix of the storage keys (default `pupitre`): two clients on one storage need two prefixes. */
  storageKey?: string;
  /** Open the `/visitor` socket (default true). Without it nothing is pushed: call `resync()` to catch up. */
  socket?: boolean;
  /** Per HTTP request, default 15000. */
  requestTimeoutMs?: number;
  backoff?: Partial<BackoffPolicy>;
  /** For tests and unusual runtimes. */
  fetch?: FetchLike;
  socketFactory?: SocketFactory;
  clock?: Clock;
  random?: () => number;
}

export interface PupitreClient {
  /** Loads the stored state, registers a visitor if there is none, opens the socket. Idempotent. */
  start(): Promise<void>;
  /** Closes the socket and stops sending; pending messages stay stored for the next start. */
  stop(): Promise<void>;
  readonly visitorId: string | undefined;
  readonly connectionState: ConnectionState;
  /** Queues a message (stored before this resolves) and returns its entry, `pending`. */
  send(text: string): Promise<OutboxEntry>;
  /** Resolves once the entry is `sent` or `failed`. */
  settled(clientMessageId: string): Promise<OutboxEntry | undefined>;
  /** Pending and failed entries, oldest first. */
  outbox(): OutboxEntry[];
  /** Sends a failed entry again (same clientMessageId). */
  retry(clientMessageId: string): Promise<void>;
  /** Forgets a failed entry. */
  discard(clientMessageId: string): Promise<void>;
  /** `GET /v1/visitor/conversations`, newest first. */
  conversations(): Promise<ConversationSummary[]>;
  /** One page of a conversation's messages, oldest first. */
  history(conversationId: string, page?: { after?: string; limit?: number }): Promise<MessagePage>;
  /** Fetches what the socket may have missed (done by itself after every reconnect). */
  resync(): Promise<void>;
  registerPushToken(pushToken: PushToken): Promise<void>;
  removePushToken(): Promise<void>;
  on<K extends keyof ClientEvents>(event: K, listener: (payload: ClientEvents[K]) => void): () => void;
  off<K extends keyof ClientEvents>(event: K, listener: (payload: ClientEvents[K]) => void): void;
}

const HISTORY_PAGE = 200;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isMessage = (v: unknown): v is Message =>
  isObject(v) &&
  typeof v.id === 'string' &&
  typeof v.conversationId === 'string' &&
  typeof v.text === 'string' &&
  typeof v.createdAt === 'string' &&
  isObject(v.author);

/** A client for one app: one visitor, one outbox, one socket. */
export function createClient(options: ClientOptions): PupitreClient {
  return new Client(options);
}

class Client implements PupitreClient {
  private readonly events = new Emitter<ClientEvents>();
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly backoff: BackoffPolicy;
  private readonly store: Store;
  private readonly session: Session;
  private readonly outboxQueue: Outbox;
  private readonly timeline: Timeline;
  private socket: SocketLike | undefined;
  private starting: Promise<void> | undefined;
  private stopped = false;
  private state: ConnectionState = 'disconnected';
  private readonly closedShown = new Set<string>();
  private retryTimer: unknown = undefined;
  private failures = 0;
  private syncRun: Promise<void> | undefined;
  private syncAgain = false;

  constructor(private readonly options: ClientOptions) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    const storage = asyncStorage(options.storage ?? memoryStorage());
    this.store = new Store(storage, options.storageKey ?? 'pupitre');
    const http = new Http({
      baseUrl: options.baseUrl,
      fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      clock: this.clock,
      timeoutMs: options.requestTimeoutMs ?? 15_000,
    });
    this.session = new Session(
      http,
      this.store,
      { channel: options.channel, platform: options.platform, name: options.name },
      this.clock,
      (identity, previous) => this.onVisitor(identity.visitorId, previous?.visitorId),
    );
    this.outboxQueue = new Outbox({
      post: (entry) => this.post(entry),
      persist: (entries) => this.store.saveOutbox(entries),
      onChange: (entry) => this.events.emit('outbox', entry),
      clock: this.clock,
      random: this.random,
      backoff: this.backoff,
    });
    this.timeline = new Timeline(
      (message) => this.events.emit('message', message),
      (cursors) => void this.store.saveCursors(cursors).catch(() => undefined),
    );
  }

  get visitorId(): string | undefined {
    return this.session.current?.visitorId;
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  on<K extends keyof ClientEvents>(event: K, listener: (payload: ClientEvents[K]) => void): () => void {
    return this.events.on(event, listener);
  }

  off<K extends keyof ClientEvents>(event: K, listener: (payload: ClientEvents[K]) => void): void {
    this.events.off(event, listener);
  }

  start(): Promise<void> {
    this.stopped = false;
    this.timeline.open();
    this.starting ??= this.load();
    return this.starting.then(() => {
      if (this.stopped) return;
      this.outboxQueue.start();
      if (this.options.socket !== false) void this.connect();
    });
  }

  private async load(): Promise<void> {
    const [identity, entries, cursors] = await Promise.all([
      this.store.identity(),
      this.store.outbox(),
      this.store.cursors(),
    ]);
    this.session.restore(identity);
    this.outboxQueue.restore(entries);
    this.timeline.restoreCursors(cursors);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timeline.close();
    this.outboxQueue.stop();
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const socket = this.socket;
    this.socket = undefined;
    socket?.disconnect();
    this.setState('disconnected');
    await this.store.flush();
  }

  async send(text: string): Promise<OutboxEntry> {
    await this.start();
    return this.outboxQueue.add(text, newClientMessageId(), new Date(this.clock.now()).toISOString());
  }

  settled(clientMessageId: string): Promise<OutboxEntry | undefined> {
    return this.outboxQueue.settled(clientMessageId);
  }

  outbox(): OutboxEntry[] {
    return this.outboxQueue.list();
  }

  retry(clientMessageId: string): Promise<void> {
    return this.outboxQueue.retry(clientMessageId);
  }

  discard(clientMessageId: string): Promise<void> {
    return this.outboxQueue.discard(clientMessageId);
  }

  conversations(): Promise<ConversationSummary[]> {
    return this.session.call<ConversationSummary[]>('GET', '/v1/visitor/conversations');
  }

  history(conversationId: string, page: { after?: string; limit?: number } = {}): Promise<MessagePage> {
    const query: string[] = [];
    if (page.after !== undefined) query.push(`after=${encodeURIComponent(page.after)}`);
    if (page.limit !== undefined) query.push(`limit=${page.limit}`);
    const suffix = query.length > 0 ? `?${query.join('&')}` : '';
    return this.session.call<MessagePage>(
      'GET',
      `/v1/visitor/conversations/${encodeURIComponent(conversationId)}/messages${suffix}`,
    );
  }

  async registerPushToken(pushToken: PushToken): Promise<void> {
    await this.session.call<void>('PUT', '/v1/visitor/push-token', {
      platform: pushToken.platform,
      token: pushToken.token,
    });
  }

  async removePushToken(): Promise<void> {
    await this.session.call<void>('DELETE', '/v1/visitor/push-token');
  }

  resync(): Promise<void> {
    // A reconnect during a resync asks for another pass: the first may have read before the gap.
    if (this.syncRun) {
      this.syncAgain = true;
      return this.syncRun;
    }
    this.syncRun = (async () => {
      this.timeline.beginSync();
      try {
        do {
          this.syncAgain = false;
          const conversations = await this.conversations();
          // Oldest first, so that a conversation closed while away is told before the one that followed.
          for (const conversation of [...conversations].reverse()) await this.catchUp(conversation);
        } while (this.syncAgain);
      } finally {
        this.syncRun = undefined;
        this.timeline.endSync();
      }
    })();
    return this.syncRun;
  }

  private async catchUp(conversation: ConversationSummary): Promise<void> {
    const known = this.timeline.cursor(conversation.id);
    if (conversation.status === 'closed' && known === undefined) return;
    let after = known;
    for (;;) {
      const page = await this.history(conversation.id, { after, limit: HISTORY_PAGE });
      this.timeline.fromHistory((page.items ?? []).filter(isMessage));
      if (!page.nextCursor || this.stopped) break;
      after = page.nextCursor;
    }
    if (this.stopped) return;
    if (conversation.status === 'closed')
      this.showClosed({ conversationId: conversation.id, reason: conversation.closeReason ?? 'agent' });
    else if (conversation.status === 'queued' && typeof conversation.queuePosition === 'number')
      this.events.emit('queue', {
        conversationId: conversation.id,
        position: conversation.queuePosition,
        ...(conversation.estimatedWaitSeconds === undefined
          ? {}
          : { estimatedWaitSeconds: conversation.estimatedWaitSeconds }),
      });
  }

  private showClosed(closed: ConversationClosed): void {
    this.timeline.forget(closed.conversationId);
    if (this.closedShown.has(closed.conversationId)) return;
    this.closedShown.add(closed.conversationId);
    this.events.emit('conversationClosed', closed);
  }

  /**
   * A retry says so (`X-Attempt`): under overload the gateway serves new messages before retries, so
   * that what it was refused does not keep it saturated once the load falls (docs/contract.md).
   */
  private async post({
    text,
    clientMessageId,
    attempt,
  }: {
    text: string;
    clientMessageId: string;
    attempt: number;
  }): Promise<PostedMessage> {
    const posted = await this.session.call<Partial<PostedMessage> | undefined>(
      'POST',
      '/v1/visitor/messages',
      { text, clientMessageId },
      attempt > 1 ? { 'x-attempt': String(attempt) } : undefined,
    );
    if (!posted || typeof posted.messageId !== 'string' || typeof posted.conversationId !== 'string')
      throw new PupitreError('NETWORK_ERROR', 'POST /v1/visitor/messages: an answer without messageId');
    return posted as PostedMessage;
  }

  private onVisitor(visitorId: string, previousVisitorId: string | undefined): void {
    // A socket opened as the previous visitor listens to their rooms: open it again as the new one.
    if (previousVisitorId !== undefined && this.socket) {
      this.socket.disconnect();
      this.socket.connect();
    }
    this.events.emit('visitor', {
      visitorId,
      ...(previousVisitorId === undefined ? {} : { previousVisitorId }),
    });
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    this.events.emit('connectionState', state);
  }

  private reportError(err: unknown): void {
    const error =
      err instanceof PupitreError
        ? err
        : new PupitreError('NETWORK_ERROR', err instanceof Error ? err.message : String(err));
    this.events.emit('error', error);
  }

  /** Runs `fn` again after a backoff, unless stopped meanwhile. */
  private later(fn: () => void, retryAfterMs?: number): void {
    if (this.stopped || this.retryTimer !== undefined) return;
    this.failures += 1;
    const delay = backoffDelay(this.failures, this.random, this.backoff, retryAfterMs);
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.stopped) fn();
    }, delay);
  }

  private async connect(): Promise<void> {
    if (this.socket || this.stopped) return;
    this.setState('connecting');
    try {
      await this.session.ensure();
    } catch (err) {
      this.reportError(err);
      this.later(() => void this.connect(), err instanceof PupitreError ? err.retryAfterMs : undefined);
      return;
    }
    if (this.socket || this.stopped) return;
    const factory = this.options.socketFactory ?? socketIoFactory;
    const socket = factory(`${this.options.baseUrl.replace(/\/+$/, '')}/visitor`, {
      auth: (cb) =>
        void this.session.freshToken().then(
          (token) => cb({ token }),
          () => cb({ token: this.session.current?.token ?? '' }),
        ),
      transports: ['websocket'],
      reconnection: true,
      reconnectionDelay: this.backoff.baseMs,
      reconnectionDelayMax: this.backoff.capMs,
      randomizationFactor: 0.5,
      forceNew: true,
    });
    this.socket = socket;
    this.listen(socket);
  }

  private listen(socket: SocketLike): void {
    socket.on('connect', () => {
      if (socket !== this.socket) return;
      this.failures = 0;
      this.setState('syncing');
      // Before any event of this connection: they wait until the history has been read.
      this.timeline.beginSync();
      this.outboxQueue.wake();
      void this.resyncConnected(socket);
    });
    socket.on('disconnect', (reason: string) => {
      if (socket !== this.socket) return;
      this.setState('disconnected');
      // The server ended it on purpose: socket.io will not come back by itself.
      if (reason === 'io server disconnect') this.later(() => socket.connect());
    });
    socket.on('connect_error', (err: Error & { data?: { code?: string } }) => {
      if (socket !== this.socket) return;
      this.setState('disconnected');
      if (err.message === 'UNAUTHENTICATED' || err.data?.code === 'UNAUTHENTICATED') {
        const stale = this.session.current;
        const recovered = stale ? this.session.recover(stale) : this.session.ensure().then(() => undefined);
        void recovered.then(
          () => this.later(() => socket.connect()),
          (recoverErr: unknown) => {
            this.reportError(recoverErr);
            this.later(() => socket.connect());
          },
        );
      } else if (!socket.active) this.later(() => socket.connect());
    });
    socket.on('message.created', (payload: { message?: unknown }) => {
      if (socket === this.socket && isMessage(payload?.message)) this.timeline.live(payload.message);
    });
    socket.on('conversation.closed', (payload: { conversationId?: unknown; reason?: unknown }) => {
      if (socket !== this.socket || typeof payload?.conversationId !== 'string') return;
      const closed = { conversationId: payload.conversationId, reason: payload.reason as CloseReason };
      this.timeline.after(() => this.showClosed(closed));
    });
    socket.on(
      'queue.updated',
      (payload: { conversationId?: unknown; position?: unknown; estimatedWaitSeconds?: unknown }) => {
        if (socket !== this.socket || typeof payload?.conversationId !== 'string') return;
        if (typeof payload.position !== 'number') return;
        const update: QueueUpdate = { conversationId: payload.conversationId, position: payload.position };
        if (typeof payload.estimatedWaitSeconds === 'number')
          update.estimatedWaitSeconds = payload.estimatedWaitSeconds;
        this.timeline.after(() => this.events.emit('queue', update));
      },
    );
  }

  private async resyncConnected(socket: SocketLike): Promise<void> {
    try {
      await this.resync();
      if (socket === this.socket && socket.connected) this.setState('connected');
    } catch (err) {
      this.reportError(err);
      if (socket === this.socket && socket.connected) {
        this.setState('connected');
        this.later(() => {
          if (socket === this.socket && socket.connected) void this.resyncConnected(socket);
        });
      }
    }
  }
}
