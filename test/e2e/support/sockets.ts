import { randomUUID } from 'node:crypto';
import { io, Socket } from 'socket.io-client';
import type { CannedResponse, ConversationView, Message, Slots } from '@pupitre/shared';
import { waitFor } from '@pupitre/shared/testing';

/** CONTRACT.md, Desk socket: `desk.state`. */
export interface DeskState {
  agent: { id: string; name: string; status: 'available' | 'away' | 'offline' };
  slots: Slots;
  conversations: ConversationView[];
}

/** CONTRACT.md, Desk socket: the server's events and their payloads. */
export interface DeskEvents {
  'desk.state': DeskState;
  'conversation.assigned': { conversation: ConversationView };
  'conversation.unassigned': { conversationId: string; reason: string };
  'conversation.updated': { conversation: ConversationView };
  'message.created': { conversationId: string; message: Message };
  'conversation.closed': { conversationId: string; reason: string };
  'slots.updated': Slots;
}

/** CONTRACT.md, SDK API: the visitor socket's events. */
export interface VisitorEvents {
  'message.created': { message: Message };
  'conversation.closed': { conversationId: string; reason: string };
  'queue.updated': { conversationId: string; position: number; estimatedWaitSeconds?: number };
}

/** A command's acknowledgement: `{ok: true, ...}` or `{ok: false, error}`. */
export interface Ack {
  ok: boolean;
  error?: { code: string; message: string };
  messageId?: string;
  tags?: string[];
  items?: CannedResponse[];
}

/** Why a socket connection was refused: `message` is the code, `data` is `{code, message}`. */
export class ConnectionRefused extends Error {
  constructor(
    message: string,
    readonly data: { code?: string; message?: string } | undefined,
  ) {
    super(message);
  }
}

const ACK_TIMEOUT_MS = 10_000;

/** A socket that keeps every event it hears, in order, so tests can wait for and assert on them. */
export class EventLog<E extends object> {
  readonly heard: { name: string; payload: unknown }[] = [];

  constructor(
    readonly socket: Socket,
    private readonly label = 'socket',
  ) {
    socket.onAny((name: string, payload: unknown) => this.heard.push({ name, payload }));
  }

  all<K extends keyof E & string>(name: K, match: (p: E[K]) => boolean = () => true): E[K][] {
    return this.heard
      .filter((h) => h.name === name)
      .map((h) => h.payload as E[K])
      .filter(match);
  }

  last<K extends keyof E & string>(name: K): E[K] | undefined {
    const all = this.all(name);
    return all[all.length - 1];
  }

  /** Polls until an event `name` matching `match` was heard; returns the first such. */
  next<K extends keyof E & string>(
    name: K,
    match: (p: E[K]) => boolean = () => true,
    what: string = name,
  ): Promise<E[K]> {
    return waitFor(() => this.all(name, match)[0], { what: `${what} on ${this.label}` });
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  close(): void {
    this.socket.close();
  }
}

/** An agent's desk, connected, with its first `desk.state`. */
export class Desk extends EventLog<DeskEvents> {
  /** The first `desk.state`, set once connected. */
  state!: DeskState;

  constructor(socket: Socket) {
    super(socket, 'desk');
  }

  get agentId(): string {
    return this.state.agent.id;
  }

  /** Emits a command and resolves with its acknowledgement; `payload` undefined sends no argument. */
  ask(command: string, payload?: unknown): Promise<Ack> {
    const timed = this.socket.timeout(ACK_TIMEOUT_MS);
    return payload === undefined ? timed.emitWithAck(command) : timed.emitWithAck(command, payload);
  }

  send(conversationId: string, text: string, clientMessageId: string = randomUUID()): Promise<Ack> {
    return this.ask('message.send', { conversationId, text, clientMessageId });
  }

  /** The `conversation.assigned` of this conversation, once heard. */
  async assigned(conversationId: string): Promise<ConversationView> {
    const e = await this.next('conversation.assigned', (p) => p.conversation.id === conversationId);
    return e.conversation;
  }

  /**
   * What this desk holds as far as it was told: `desk.state`, then every assignment, unassignment
   * and close in the order heard.
   */
  held(): Set<string> {
    const held = new Set<string>();
    for (const { name, payload } of this.heard) {
      if (name === 'desk.state') (payload as DeskState).conversations.forEach((c) => held.add(c.id));
      if (name === 'conversation.assigned') held.add((payload as DeskEvents[typeof name]).conversation.id);
      if (name === 'conversation.unassigned' || name === 'conversation.closed')
        held.delete((payload as { conversationId: string }).conversationId);
    }
    return held;
  }

  /** Polls until the desk holds the conversation (by `desk.state` or `conversation.assigned`). */
  holds(conversationId: string): Promise<true> {
    return waitFor(() => this.held().has(conversationId), {
      what: `desk of ${this.agentId} holding ${conversationId}`,
    });
  }
}

/** A visitor's device listening on `/visitor`. */
export class VisitorSocket extends EventLog<VisitorEvents> {
  constructor(socket: Socket) {
    super(socket, 'visitor socket');
  }
}

/**
 * Opens a socket on a namespace with `auth: {token}`; resolves once connected, rejects with
 * ConnectionRefused on `connect_error`. The log listens before the handshake, so nothing is missed.
 */
export function openSocket<L extends EventLog<object>>(
  url: string,
  namespace: '/desk' | '/visitor',
  token: unknown,
  wrap: (socket: Socket) => L,
): Promise<L> {
  const socket = io(url + namespace, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  const log = wrap(socket);
  return new Promise<L>((resolve, reject) => {
    socket.once('connect', () => resolve(log));
    socket.once('connect_error', (err: Error & { data?: { code?: string; message?: string } }) => {
      socket.close();
      reject(new ConnectionRefused(err.message, err.data));
    });
  });
}
