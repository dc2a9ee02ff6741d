import { io, type Socket } from 'socket.io-client';
import { JsonClient, mapLimit } from '../../../bench/support/http';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface ViewMessage {
  id: string;
  text: string;
  author: { type: 'visitor' | 'agent' };
}
interface View {
  id: string;
  messages: ViewMessage[];
}
interface AckError {
  code?: string;
}
interface Ack {
  ok: boolean;
  error?: AckError;
}

/** One visitor message as the load sent it: acknowledged once a POST answered 201. */
export interface SentMessage {
  text: string;
  clientMessageId: string;
  visitorId: string;
  attempts: number;
  acked: boolean;
  messageId?: string;
  conversationId?: string;
}

export interface LoadOptions {
  runId: string;
  /** Gateway ports; visitors and desks are spread over them. */
  ports: number[];
  adminToken: string;
  agents: number;
  visitors: number;
  /** Chat slots per agent (mobile slots are fixed at 2, R5). */
  chatCapacity: number;
  /** The agent closes a conversation after this many replies (so billing pays, R14). */
  repliesBeforeClose: number;
  /** The pause between a visitor's acknowledged message and their next one. */
  pauseMs: number;
}

/**
 * Steady load as an operator would try it: agents at their desks answer every visitor message they
 * see and close a conversation after a few replies; visitors write, wait for the answer to their POST,
 * pause, write again, and retry a failed POST SDK-style (same clientMessageId, exponential backoff).
 */
export class SteadyLoad {
  readonly sent: SentMessage[] = [];
  readonly agentIds: string[] = [];
  /** Visitor messages a desk heard on one gateway that were posted through another. */
  crossGatewayDeliveries = 0;
  replies = 0;
  /** Conversations whose close the gateway acknowledged (`{ok: true}`). */
  readonly closed: string[] = [];
  /** Requests answered other than 201, 503 or a network error (SDK would not retry them). */
  readonly unexpected: string[] = [];
  private running = false;
  private readonly clients: JsonClient[];
  private readonly desks: Socket[] = [];
  private readonly visitorLoops: Promise<void>[] = [];
  private readonly replied = new Set<string>();
  private readonly repliesPer = new Map<string, number>();
  private readonly closing = new Set<string>();

  constructor(private readonly o: LoadOptions) {
    this.clients = o.ports.map((p) => new JsonClient('127.0.0.1', p, 64));
  }

  get acked(): SentMessage[] {
    return this.sent.filter((m) => m.acked);
  }

  /** Creates the agents and opens their desks (spread over the gateways). */
  async openDesks(): Promise<void> {
    await mapLimit(Array.from({ length: this.o.agents }), 4, (_, i) => this.openDesk(i));
  }

  private async openDesk(i: number): Promise<void> {
    const agent = await this.retry(`agent ${i}`, () =>
      this.clients[0].expect<{ id: string; token: string }>(
        201,
        'POST',
        '/v1/admin/agents',
        { name: `faults agent ${i + 1}`, chatCapacity: this.o.chatCapacity },
        this.o.adminToken,
      ),
    );
    this.agentIds.push(agent.id);
    const port = this.o.ports[i % this.o.ports.length];
    const socket = io(`http://127.0.0.1:${port}/desk`, {
      auth: { token: agent.token },
      transports: ['websocket'],
      reconnectionDelay: 250,
      reconnectionDelayMax: 1000,
      forceNew: true,
    });
    socket.on('desk.state', (s: { conversations: View[] }) =>
      s.conversations.forEach((c) => this.onView(socket, c)),
    );
    socket.on('conversation.assigned', (p: { conversation: View }) => this.onView(socket, p.conversation));
    socket.on('message.created', (p: { conversationId: string; message: ViewMessage }) => {
      if (p.message.author.type !== 'visitor') return;
      const visitor = /^faults \S+ v(\d+)#/.exec(p.message.text);
      if (visitor && this.portOf(Number(visitor[1])) !== port) this.crossGatewayDeliveries++;
      void this.reply(socket, p.conversationId, p.message.id);
    });
    this.desks.push(socket);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`desk ${i} got no desk.state in 30 s`)), 30_000);
      socket.once('desk.state', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Registers the visitors and starts their loops. */
  async startVisitors(): Promise<void> {
    const registered = await mapLimit(Array.from({ length: this.o.visitors }), 10, (_, i) => {
      const client = this.clients[i % this.clients.length];
      const channel = i % 3 === 0 ? 'mobile_app' : 'web_chat';
      return this.retry(`visitor ${i}`, () =>
        client.expect<{ visitorId: string; token: string }>(201, 'POST', '/v1/visitors', {
          channel,
          name: `faults visitor ${i + 1}`,
          platform: channel === 'web_chat' ? 'web' : 'ios',
        }),
      );
    });
    this.running = true;
    registered.forEach((v, i) => this.visitorLoops.push(this.visitorLoop(i, v.visitorId, v.token)));
  }

  /** Stops the visitors after their message in flight (acknowledged or given up). */
  async stopVisitors(): Promise<void> {
    this.running = false;
    await Promise.all(this.visitorLoops);
  }

  closeDesks(): void {
    for (const d of this.desks) d.close();
    for (const c of this.clients) c.close();
  }

  private async visitorLoop(i: number, visitorId: string, token: string): Promise<void> {
    await sleep((i * 97) % this.o.pauseMs); // spread the first messages
    for (let n = 1; this.running; n++) {
      const m: SentMessage = {
        text: `faults ${this.o.runId} v${i}#${n}`,
        clientMessageId: `${this.o.runId}-v${i}-${n}`,
        visitorId,
        attempts: 0,
        acked: false,
      };
      this.sent.push(m);
      // SDK-style: the same clientMessageId until acknowledged, backoff 250 ms doubling to 8 s.
      for (let backoff = 250; !m.acked; backoff = Math.min(backoff * 2, 8000)) {
        const client = this.clients[i % this.clients.length];
        m.attempts++;
        try {
          const res = await client.request<{ conversationId: string; messageId: string }>(
            'POST',
            '/v1/visitor/messages',
            { text: m.text, clientMessageId: m.clientMessageId },
            token,
            15_000,
          );
          if (res.status === 201) {
            m.acked = true;
            m.messageId = res.body.messageId;
            m.conversationId = res.body.conversationId;
            break;
          }
          if (res.status !== 503 && res.status !== 429) {
            this.unexpected.push(
              `${m.clientMessageId}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`,
            );
          }
        } catch {
          // connection refused or reset (the gateway is down), or no answer: retry
        }
        if (!this.running && m.attempts >= 20) break; // the run is over; leave it unacknowledged
        await sleep(backoff);
      }
      if (this.running) await sleep(this.o.pauseMs * (0.75 + ((i * 31 + n * 17) % 50) / 100));
    }
  }

  /** Visitor i always writes through the same gateway. */
  private portOf(visitor: number): number {
    return this.o.ports[visitor % this.o.ports.length];
  }

  private onView(socket: Socket, view: View): void {
    const last = view.messages[view.messages.length - 1];
    if (last?.author.type === 'visitor') void this.reply(socket, view.id, last.id);
  }

  /** One reply per visitor message (clientMessageId derived from it), then a close after a few. */
  private async reply(socket: Socket, conversationId: string, visitorMessageId: string): Promise<void> {
    if (this.replied.has(visitorMessageId)) return;
    this.replied.add(visitorMessageId);
    const ok = await this.command(socket, 'message.send', {
      conversationId,
      text: `faults reply to ${visitorMessageId}`,
      clientMessageId: `re-${visitorMessageId}`,
    });
    if (!ok) {
      this.replied.delete(visitorMessageId); // a later view or message may bring it back
      return;
    }
    this.replies++;
    const count = (this.repliesPer.get(conversationId) ?? 0) + 1;
    this.repliesPer.set(conversationId, count);
    if (count >= this.o.repliesBeforeClose && !this.closing.has(conversationId)) {
      this.closing.add(conversationId);
      // A close whose ack was lost (a service killed after its commit) and whose retry then finds the
      // conversation closed is not counted here; the database's count says how many were closed.
      if (await this.command(socket, 'conversation.close', { conversationId }))
        this.closed.push(conversationId);
    }
  }

  /** A desk command, retried while the system is unavailable; false when refused for good. */
  private async command(socket: Socket, name: string, payload: object): Promise<boolean> {
    for (let attempt = 0, backoff = 250; attempt < 12; attempt++, backoff = Math.min(backoff * 2, 4000)) {
      try {
        const ack = (await socket.timeout(10_000).emitWithAck(name, payload)) as Ack;
        if (ack.ok) return true;
        if (ack.error?.code !== 'UNAVAILABLE' && ack.error?.code !== 'RATE_LIMITED') return false;
      } catch {
        // no ack in time (socket down or the gateway restarting)
      }
      await sleep(backoff);
    }
    return false;
  }

  private async retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (attempt >= 10) throw new Error(`${what}: ${(err as Error).message}`);
        await sleep(500 * attempt);
      }
    }
  }
}
