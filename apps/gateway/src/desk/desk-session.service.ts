import { Inject, Injectable, Logger } from '@nestjs/common';
import { AgentView, ConversationView, DomainError, Slots } from '@pupitre/shared';
import { TokenService } from '../auth';
import { DeskViews } from '../fanout';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/env.validation';
import { NotSent } from '../http';
import { RequestClient } from '../kafka';
import { InstanceRegistration } from './instance-registration.service';

/** Unanswered desk.disconnects are sent again after this, doubled after each round none was answered, up to 5 s. */
export const DISCONNECT_RETRY_MS = 250;
const DISCONNECT_RETRY_MAX_MS = 5000;
/** Withdrawals kept for retrying at most; beyond, the oldest is given up (routing's instance expiry covers it). */
export const MAX_PENDING_DISCONNECTS = 10_000;
/** Sent per round, so a backlog never fills the in-flight bound that other requests need. */
const DISCONNECTS_PER_ROUND = 50;

export interface DeskState {
  agent: { id: string; name: string; status: AgentView['status'] };
  slots: Slots;
  conversations: ConversationView[];
}

/** One desk connection's life: authenticate and register it with routing, its first state, its end. */
@Injectable()
export class DeskSessionService {
  private readonly logger = new Logger(DeskSessionService.name);
  /** desk.disconnects not answered yet, by connection, oldest first; retried by one timer. */
  private readonly pending = new Map<string, { agentId: string; since: number }>();
  private retryTimer: NodeJS.Timeout | null = null;
  private retryMs = DISCONNECT_RETRY_MS;

  constructor(
    private readonly tokens: TokenService,
    private readonly client: RequestClient,
    private readonly registration: InstanceRegistration,
    private readonly deskViews: DeskViews,
    @Inject(GATEWAY_CONFIG)
    private readonly config: Pick<GatewayConfig, 'GATEWAY_INSTANCE_ID' | 'DESK_INSTANCE_TTL_MS'>,
  ) {}

  /**
   * The agent's token is checked here (signature, role) and by routing (token version). A connect this
   * gateway gave up on (no answer in time: routing may still have recorded it, or record it later) is
   * withdrawn with a desk.disconnect of the same connection: it travels on the agent's partition, so
   * routing applies it after the connect, and it is idempotent. Otherwise the refused socket's agent
   * would stay available after leaving (a ghost desk).
   */
  async open(token: unknown, connectionId: string): Promise<AgentView> {
    const { agentId, tokenVersion } = this.tokens.verifyAgent(token);
    await this.registration.whenRegistered();
    const gatewayInstance = this.config.GATEWAY_INSTANCE_ID;
    try {
      return await this.client.request(
        'routing',
        'desk.connect',
        { agentId, tokenVersion, connectionId, gatewayInstance },
        { key: agentId },
      );
    } catch (err) {
      // A refusal from routing (an old token, an unknown agent) recorded nothing; neither did a
      // request refused before it was sent.
      const answered = err instanceof DomainError && err.code !== 'UNAVAILABLE';
      if (!answered && !(err instanceof NotSent))
        this.close(agentId, connectionId).catch((e: Error) =>
          this.logger.warn(`desk.disconnect of abandoned connection ${connectionId} failed: ${e.message}`),
        );
      throw err;
    }
  }

  /**
   * Called once the socket is in its agent room, so that whatever happens next reaches it as an event.
   * What the agent holds is asked of routing, the owner of assignments; the socket joins those
   * conversations' rooms (`join`) BEFORE their views are read, so a close or a message during the read
   * reaches it. A conversation shows only once conversation's record names this agent as holder (then
   * they can answer it); one routing has given but conversation has not recorded yet comes as
   * `conversation.assigned` when it is recorded. What `DeskViews` recorded during the reads wins:
   * views pushed to this agent's room are merged in (the desk replaces its list with desk.state), and
   * those closed, unassigned or moved away since are left out. `show` gets the state and the rooms
   * joined for conversations not shown; it is called with no await after the decision, so no event
   * is handled between them.
   */
  async state(
    agent: AgentView,
    join: (conversationIds: string[]) => Promise<void>,
    show: (state: DeskState, leave: string[]) => void,
  ): Promise<void> {
    const since = this.deskViews.mark();
    const desk = await this.client.request('routing', 'agent.desk', { agentId: agent.id }, { key: agent.id });
    const heldIds = desk.held.map((h) => h.conversationId);
    await join(heldIds);
    const views = await this.client.request(
      'conversation',
      'conversation.views',
      { conversationIds: heldIds },
      { key: agent.id },
    );
    const byId = new Map(views.map(({ heldBy, ...view }) => [view.id, { heldBy, view }]));
    // Decided without awaiting, so no event slips between the decision and the holds below.
    const pushed = new Map(this.deskViews.heldBy(agent.id, since).map((v) => [v.id, v]));
    const fromRecord: Array<{ view: ConversationView; version?: number; responseWindowMs?: number }> = [];
    const conversations = desk.held.flatMap((h): ConversationView[] => {
      const recent = pushed.get(h.conversationId);
      if (recent) {
        pushed.delete(h.conversationId);
        return [recent];
      }
      if (this.deskViews.leftSince(h.conversationId, agent.id, since)) return [];
      const found = byId.get(h.conversationId);
      // Closed since routing answered: its conversation.closed follows on the socket.
      if (!found || found.view.status === 'closed') return [];
      // Conversation's record names someone else: this agent cannot answer it (its unassignment follows).
      if (found.heldBy !== null && found.heldBy !== agent.id) return [];
      if (found.view.status !== 'assigned' || found.heldBy !== agent.id) {
        // Not recorded for this agent yet (or moved away): its assignment record brings it.
        const earlier = this.deskViews.viewOf(h.conversationId, agent.id);
        return earlier ? [earlier] : [];
      }
      const held: ConversationView = { ...found.view, assignedAt: h.assignedAt, deadlines: h.deadlines };
      fromRecord.push({ view: held, version: h.version, responseWindowMs: h.responseWindowMs });
      return [held];
    });
    // Recorded for this agent during the reads but not in routing's list (assigned after it answered).
    conversations.push(...pushed.values());
    const shown = new Set(conversations.map((c) => c.id));
    const leave = heldIds.filter((id) => !shown.has(id));
    const recorded = new Map(
      fromRecord.map((r) => [
        r.view.id,
        this.deskViews.hold(agent.id, r.view, r.version, r.responseWindowMs),
      ]),
    );
    const final = conversations.map((c) => recorded.get(c.id) ?? c);
    const { id, name, status } = desk.agent;
    // A newer count may already have been pushed on the socket: the desk keeps the newer one.
    const slots = this.deskViews.newerSlots(agent.id, desk.agent.slots, desk.slotsVersion)
      ? desk.agent.slots
      : (this.deskViews.lastSlots(agent.id)?.slots ?? desk.agent.slots);
    show({ agent: { id, name, status }, slots, conversations: final }, leave);
  }

  /**
   * Routing forgets the connection. Not answered, it is kept and sent again (a lost one would leave the
   * agent available after leaving): all such withdrawals wait in one bounded map, retried by one timer
   * with backoff, and are given up after DESK_INSTANCE_TTL_MS, by when routing has dropped this
   * instance's desks if it could not be reached. Nothing is retried once this instance stops: then
   * routing drops all its desks at once.
   */
  async close(agentId: string, connectionId: string): Promise<void> {
    if (this.registration.stopping) return; // routing already dropped every desk of this instance
    try {
      await this.disconnect(agentId, connectionId);
    } catch (err) {
      if (!(err instanceof DomainError && err.code === 'UNAVAILABLE')) throw err;
      this.keep(agentId, connectionId, err.message);
    }
  }

  /** desk.disconnects waiting to be sent again (diagnostics and tests). */
  get pendingDisconnects(): number {
    return this.pending.size;
  }

  private disconnect(agentId: string, connectionId: string): Promise<unknown> {
    return this.client.request('routing', 'desk.disconnect', { agentId, connectionId }, { key: agentId });
  }

  private keep(agentId: string, connectionId: string, why: string): void {
    if (this.pending.size === 0) this.logger.warn(`desk.disconnect not answered yet, retrying: ${why}`);
    if (!this.pending.has(connectionId) && this.pending.size >= MAX_PENDING_DISCONNECTS) {
      const [oldest] = this.pending.keys();
      this.pending.delete(oldest);
      this.logger.warn(`more than ${MAX_PENDING_DISCONNECTS} desk.disconnects pending: gave up ${oldest}`);
    }
    if (!this.pending.has(connectionId)) this.pending.set(connectionId, { agentId, since: Date.now() });
    this.schedule();
  }

  private schedule(): void {
    if (this.retryTimer || this.pending.size === 0) return;
    this.retryTimer = setTimeout(() => void this.retry(), this.retryMs);
    this.retryTimer.unref();
  }

  /** One round: the oldest pending withdrawals sent again; answered ones are done. */
  private async retry(): Promise<void> {
    if (this.registration.stopping) {
      this.pending.clear();
      this.retryTimer = null;
      return;
    }
    const giveUpBefore = Date.now() - this.config.DESK_INSTANCE_TTL_MS;
    let expired = 0;
    for (const [connectionId, { since }] of this.pending) {
      if (since >= giveUpBefore) break; // oldest first
      this.pending.delete(connectionId);
      expired++;
    }
    if (expired > 0)
      this.logger.warn(`${expired} desk.disconnect(s) given up: routing has expired those desks by now`);
    const round = [...this.pending].slice(0, DISCONNECTS_PER_ROUND);
    const outcomes = await Promise.all(
      round.map(([connectionId, { agentId }]) =>
        this.disconnect(agentId, connectionId).then(
          () => true,
          (err: unknown) => !(err instanceof DomainError && err.code === 'UNAVAILABLE'),
        ),
      ),
    );
    round.forEach(([connectionId], i) => outcomes[i] && this.pending.delete(connectionId));
    this.retryMs = outcomes.some(Boolean)
      ? DISCONNECT_RETRY_MS
      : Math.min(this.retryMs * 2, DISCONNECT_RETRY_MAX_MS);
    this.retryTimer = null;
    this.schedule();
  }
}
