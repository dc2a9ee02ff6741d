import { io, type Socket } from 'socket.io-client';
import type { Ack, ConversationView, Message, Slots } from '../common/contracts';
import { Store } from '../common/store';
import { chime, setTitleBadge, systemNotice } from './alerts';
import * as S from './state';
import { refreshDelayMs, refreshToken, tokenStore } from './token';

const ACK_TIMEOUT_MS = 10_000;
const channelLabel = (v: ConversationView) => (v.channel === 'mobile_app' ? 'mobile app' : 'web chat');

/**
 * The desk's one connection to the `/desk` socket: events become model changes, commands return
 * their acknowledgement. Socket.IO reconnects by itself; each connection brings a fresh `desk.state`.
 */
export class DeskClient {
  readonly store = new Store<S.DeskModel>(S.initialModel());
  private socket: Socket | null = null;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private noticeId = 0;

  constructor() {
    this.store.subscribe(() => setTitleBadge(S.totalUnread(this.store.get())));
    const seeAgain = () => this.markSelectedRead();
    document.addEventListener('visibilitychange', seeAgain);
    window.addEventListener('focus', seeAgain);
  }

  /** Opens the desk with a token (typed in, or kept in sessionStorage from before a reload). */
  signIn(token: string): void {
    this.signOut(null);
    tokenStore.set(token);
    this.store.update((m) => ({ ...S.initialModel('connecting'), notices: m.notices }));
    const socket = io('/desk', {
      auth: (cb) => cb({ token: tokenStore.get() ?? token }),
      transports: ['websocket'],
      reconnectionDelay: 250,
      reconnectionDelayMax: 2000,
    });
    this.socket = socket;
    socket.on('desk.state', (s: Parameters<typeof S.onDeskState>[1]) => {
      this.store.update((m) => S.markRead(S.onDeskState(m, s), this.visibleSelection(m)));
      this.scheduleRefresh();
    });
    socket.on('conversation.assigned', ({ conversation }: { conversation: ConversationView }) => {
      const isNew = !this.store.get().byId[conversation.id];
      this.store.update((m) => S.onAssigned(m, conversation));
      if (isNew) {
        const text = `New ${channelLabel(conversation)} conversation: ${conversation.visitor.name ?? 'visitor'}`;
        this.notify(text);
        chime();
        systemNotice(text);
      }
    });
    socket.on('conversation.updated', ({ conversation }: { conversation: ConversationView }) =>
      this.store.update((m) => S.onUpdated(m, conversation)),
    );
    socket.on('message.created', ({ message }: { message: Message }) => {
      const seen = this.visibleSelection(this.store.get()) === message.conversationId;
      this.store.update((m) => S.onMessage(m, message, seen));
    });
    socket.on(
      'conversation.unassigned',
      ({ conversationId, reason }: { conversationId: string; reason: string }) =>
        this.leave(
          conversationId,
          reason === 'transferred' ? null : `moved away (${reason.replace(/_/g, ' ')})`,
        ),
    );
    socket.on(
      'conversation.closed',
      ({ conversationId, reason }: { conversationId: string; reason: string }) =>
        this.leave(conversationId, `closed (${reason.replace(/_/g, ' ')})`),
    );
    socket.on('slots.updated', (slots: Slots) => this.store.update((m) => ({ ...m, slots })));
    socket.on('disconnect', (reason) => {
      if (reason === 'io client disconnect') return;
      this.store.update((m) => ({ ...m, phase: 'reconnecting' }));
      // The server ended it (a replaced token, a limit): Socket.IO leaves that to us. A refused token
      // then signs the desk out; anything else reconnects as after a network drop.
      if (reason === 'io server disconnect') setTimeout(() => socket.connect(), 500);
    });
    socket.on('connect_error', (err: Error & { data?: { code?: string; message?: string } }) => {
      const code = err.data?.code ?? err.message;
      if (code === 'UNAUTHENTICATED') {
        this.signOut(err.data?.message ?? 'This desk token was refused: sign in with a current one.');
        return;
      }
      this.store.update((m) => ({ ...m, phase: m.phase === 'connected' ? 'reconnecting' : m.phase }));
    });
  }

  signOut(reason: string | null): void {
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
    this.socket = null;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    if (reason !== null) {
      tokenStore.clear();
      this.store.update(() => ({ ...S.initialModel('signed-out'), signInError: reason }));
    }
  }

  ask<T extends object = object>(command: string, payload: object = {}): Promise<Ack<T>> {
    const socket = this.socket;
    if (!socket?.connected)
      return Promise.resolve({ ok: false, error: { code: 'UNAVAILABLE', message: 'not connected' } });
    return socket
      .timeout(ACK_TIMEOUT_MS)
      .emitWithAck(command, payload)
      .catch(() => ({ ok: false as const, error: { code: 'UNAVAILABLE', message: 'no answer in time' } }));
  }

  select(conversationId: string | null): void {
    this.store.update((m) => S.select(m, conversationId));
    this.markSelectedRead();
  }

  async loadOlder(conversationId: string): Promise<void> {
    const c = this.store.get().byId[conversationId];
    if (!c) return;
    const ack = await this.ask<{ items: Message[]; nextCursor?: string }>('conversation.history', {
      conversationId,
      ...(c.messages[0] ? { before: c.messages[0].id } : {}),
    });
    if (!ack.ok) return this.notify(`Older messages: ${ack.error.message}`, 'error');
    this.store.update((m) => S.onOlder(m, conversationId, ack.items, Boolean(ack.nextCursor)));
  }

  notify(text: string, tone: S.Notice['tone'] = 'info'): void {
    const id = ++this.noticeId;
    this.store.update((m) => ({ ...m, notices: [...m.notices.slice(-3), { id, text, tone }] }));
    setTimeout(() => this.dismiss(id), 8000);
  }

  dismiss(id: number): void {
    this.store.update((m) => ({ ...m, notices: m.notices.filter((n) => n.id !== id) }));
  }

  private leave(conversationId: string, why: string | null): void {
    const c = this.store.get().byId[conversationId];
    this.store.update((m) => S.onGone(m, conversationId));
    if (c && why) this.notify(`${c.view.visitor.name ?? 'Visitor'}: conversation ${why}`);
    this.markSelectedRead();
  }

  /** The selected conversation, if the agent can see it now (page visible and focused). */
  private visibleSelection(m: S.DeskModel): string | null {
    return document.visibilityState === 'visible' && document.hasFocus() ? m.selected : null;
  }

  private markSelectedRead(): void {
    this.store.update((m) => S.markRead(m, this.visibleSelection(m)));
  }

  private scheduleRefresh(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    const token = tokenStore.get();
    const delay = token ? refreshDelayMs(token, Date.now()) : null;
    if (token === null || delay === null) return;
    // setTimeout's bound is about 24.8 days; tokens last hours.
    this.refreshTimer = setTimeout(() => void this.refresh(token), Math.min(delay, 2 ** 31 - 1));
  }

  private async refresh(token: string): Promise<void> {
    try {
      tokenStore.set(await refreshToken(token));
      this.scheduleRefresh();
    } catch {
      this.notify('Could not renew the desk token; it is tried again in a minute.', 'error');
      this.refreshTimer = setTimeout(() => void this.refresh(token), 60_000);
    }
  }
}
