/**
 * The demo's visitor client. It has the shape of the SDK's `createClient` (libs/sdk) for the part the
 * demo uses, so the demo reads like an app built on the SDK.
 */
import { io, type Socket } from 'socket.io-client';
import type { Channel, CloseReason, Message } from '../common/contracts';
import { newId } from '../common/ids';

export interface QueueUpdate {
  conversationId: string;
  position: number;
  estimatedWaitSeconds?: number;
}
export type ConnectionState = 'connecting' | 'connected' | 'disconnected';
interface Events {
  message: Message;
  conversationClosed: { conversationId: string; reason: CloseReason };
  queue: QueueUpdate;
  connectionState: ConnectionState;
  error: Error;
}
export interface ClientOptions {
  baseUrl: string;
  channel: Channel;
  name?: string;
  platform?: 'ios' | 'android' | 'web';
}

export interface VisitorClient {
  start(): Promise<void>;
  stop(): Promise<void>;
  send(text: string): Promise<void>;
  on<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): () => void;
}

export function createClient(options: ClientOptions): VisitorClient {
  const listeners = new Map<keyof Events, Set<(p: never) => void>>();
  const emit = <K extends keyof Events>(event: K, payload: Events[K]) =>
    listeners.get(event)?.forEach((l) => (l as (p: Events[K]) => void)(payload));
  const seen = new Set<string>();
  let token = '';
  let socket: Socket | null = null;

  const http = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(options.baseUrl + path, {
      method,
      headers: {
        'Content-Type': 'application/json',
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const renewed = res.headers.get('X-Visitor-Token');
    if (renewed) token = renewed;
    const json = (await res.json().catch(() => ({}))) as T & { error?: { message: string } };
    if (!res.ok) throw new Error(json.error?.message ?? `HTTP ${res.status}`);
    return json;
  };
  const deliver = (m: Message) => {
    if (seen.has(m.id)) return;
    seen.add(m.id);
    emit('message', m);
  };
  /** What the socket may have missed: the open conversation's messages. */
  const resync = async () => {
    const list = await http<{ id: string; status: string }[]>('GET', '/v1/visitor/conversations');
    const open = list.find((c) => c.status !== 'closed');
    if (!open) return;
    const page = await http<{ items: Message[] }>(
      'GET',
      `/v1/visitor/conversations/${open.id}/messages?limit=200`,
    );
    page.items.forEach(deliver);
  };

  return {
    async start() {
      const v = await http<{ visitorId: string; token: string }>('POST', '/v1/visitors', {
        channel: options.channel,
        ...(options.name ? { name: options.name } : {}),
        ...(options.platform ? { platform: options.platform } : {}),
      });
      token = v.token;
      emit('connectionState', 'connecting');
      socket = io(`${options.baseUrl}/visitor`, {
        auth: (cb) => cb({ token }),
        transports: ['websocket'],
        reconnectionDelayMax: 2000,
      });
      socket.on('connect', () => {
        emit('connectionState', 'connected');
        resync().catch((err: Error) => emit('error', err));
      });
      socket.on('disconnect', () => emit('connectionState', 'disconnected'));
      socket.on('message.created', ({ message }: { message: Message }) => deliver(message));
      socket.on('conversation.closed', (p: Events['conversationClosed']) => emit('conversationClosed', p));
      socket.on('queue.updated', (p: QueueUpdate) => emit('queue', p));
    },
    async stop() {
      socket?.disconnect();
      socket = null;
    },
    async send(text: string) {
      await http('POST', '/v1/visitor/messages', { text, clientMessageId: newId() });
    },
    on(event, listener) {
      const set = listeners.get(event) ?? new Set();
      set.add(listener as (p: never) => void);
      listeners.set(event, set);
      return () => set.delete(listener as (p: never) => void);
    },
  };
}
