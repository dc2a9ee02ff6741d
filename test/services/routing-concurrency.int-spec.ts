import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import { Channel, CONVERSATION_EVENTS, kafkaEnvSchema, parseEnv, ROUTING_EVENTS } from '@pupitre/shared';
import { isolatedTestEnv, TestRequester, waitFor } from '@pupitre/shared/testing';
import { startConversation } from '../../apps/conversation/src/main';
import { startRouting } from '../../apps/routing/src/main';

const AGENTS = 50;
const CONVERSATIONS = 1000;
const MOBILE_SLOTS = 2;

/**
 * Two routing instances in one consumer group, both sweeping, while 50 agents connect and disconnect
 * and 1000 conversations over both channels arrive and are closed by whoever holds them.
 * Capacity is checked at every slot change twice: on every slots event, and by a trigger that
 * counts the holder's conversations inside each transaction that assigns one.
 */
describe('routing under concurrency: two instances', () => {
  const apps: INestApplication[] = [];
  let rq: TestRequester;
  let db: Client;

  beforeAll(async () => {
    const env = await isolatedTestEnv('concurrency');
    const vars = {
      ...process.env,
      ...env.vars,
      SWEEP_INTERVAL_MS: '200',
      MOBILE_SLOTS: String(MOBILE_SLOTS),
      FIRST_RESPONSE_TIMEOUT_MS: '600000',
    };
    apps.push((await startConversation(vars)).app);
    apps.push((await startRouting(vars)).app);
    apps.push((await startRouting(vars)).app); // the second instance: same group, same schema
    db = new Client({ connectionString: env.databaseUrl });
    await db.connect();
    await db.query(`
      CREATE TABLE routing.slot_audit (agent_id uuid, channel text, used int, capacity int, at timestamptz DEFAULT clock_timestamp());
      CREATE FUNCTION routing.audit_slot() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO routing.slot_audit (agent_id, channel, used, capacity)
        SELECT NEW.agent_id, NEW.channel,
               (SELECT count(*) FROM routing.routed_conversations r
                 WHERE r.agent_id = NEW.agent_id AND r.channel = NEW.channel AND r.status = 'assigned'),
               CASE WHEN NEW.channel = 'mobile_app' THEN ${MOBILE_SLOTS} ELSE (SELECT chat_capacity FROM routing.agents WHERE id = NEW.agent_id) END;
        RETURN NEW;
      END $$;
      CREATE TRIGGER audit_slot AFTER INSERT OR UPDATE ON routing.routed_conversations
        FOR EACH ROW WHEN (NEW.status = 'assigned') EXECUTE FUNCTION routing.audit_slot();`);
    rq = new TestRequester(parseEnv(kafkaEnvSchema, vars));
    await rq.start([ROUTING_EVENTS, CONVERSATION_EVENTS]);
  }, 120_000);

  afterAll(async () => {
    await rq?.stop();
    await db?.end();
    await Promise.allSettled(apps.reverse().map((a) => a.close()));
  });

  it('never puts an agent above capacity nor a conversation on two desks', async () => {
    const agents = await Promise.all(
      Array.from({ length: AGENTS }, async (_, i) => {
        const id = randomUUID();
        const a = await rq.call('routing', 'agent.create', {
          agentId: id,
          name: `agent ${i}`,
          chatCapacity: i % 4,
        });
        return { id, tokenVersion: a.tokenVersion, connection: null as string | null };
      }),
    );
    const connect = async (a: (typeof agents)[number]) => {
      a.connection = randomUUID();
      await rq.call('routing', 'desk.connect', {
        agentId: a.id,
        tokenVersion: a.tokenVersion,
        connectionId: a.connection,
        gatewayInstance: 'test',
      });
    };
    const disconnect = async (a: (typeof agents)[number]) => {
      const connectionId = a.connection!;
      a.connection = null;
      await rq.call('routing', 'desk.disconnect', { agentId: a.id, connectionId });
    };
    await Promise.all(agents.map(connect));

    // Presence churn for the whole run: an agent leaves or comes back every 20 ms.
    let churning = true;
    const churn = (async () => {
      let n = 0;
      while (churning) {
        const a = agents[(n++ * 7) % AGENTS];
        await (a.connection ? disconnect(a) : connect(a));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    // Holders close what they are given, which frees slots and drains the queue.
    const closing = new Set<string>();
    let closer = true;
    const closerLoop = (async () => {
      while (closer) {
        const held = new Map<string, string>();
        for (const e of rq.seen) {
          if (e.topic !== ROUTING_EVENTS || !e.key) continue;
          if (e.value.type === 'conversation.assigned') held.set(e.key, e.value.data!.agentId as string);
          if (e.value.type === 'conversation.unassigned') held.delete(e.key);
        }
        await Promise.all(
          [...held]
            .filter(([c]) => !closing.has(c))
            .map(async ([conversationId, agentId]) => {
              const r = await rq.ask('conversation', 'agent.close', { agentId, conversationId });
              if (r.ok) closing.add(conversationId);
            }),
        );
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    const conversations: string[] = [];
    for (let i = 0; i < CONVERSATIONS; i += 25) {
      await Promise.all(
        Array.from({ length: Math.min(25, CONVERSATIONS - i) }, async (_, j) => {
          const channel: Channel = (i + j) % 2 ? 'mobile_app' : 'web_chat';
          const visitorId = randomUUID();
          await rq.call('conversation', 'visitor.register', {
            visitorId,
            channel,
            name: null,
            platform: null,
          });
          const posted = await rq.call('conversation', 'visitor.post-message', {
            visitorId,
            text: `hello ${i + j}`,
            clientMessageId: 'first',
          });
          conversations.push(posted.conversationId);
        }),
      );
    }

    const closedCount = () => new Set(rq.eventsOf('conversation.closed').map((e) => e.key)).size;
    await waitFor(() => closedCount() === CONVERSATIONS, {
      timeoutMs: 240_000,
      intervalMs: 500,
      what: `${CONVERSATIONS} conversations closed`,
    });
    churning = false;
    closer = false;
    await Promise.all([churn, closerLoop]);

    // Every slot change seen on the wire stayed within capacity.
    const slotEvents = rq.eventsOf('agent.slots-changed');
    expect(slotEvents.length).toBeGreaterThan(CONVERSATIONS);
    const over = slotEvents.filter((e) => {
      const s = e.value.data!.slots as {
        chat: { used: number; capacity: number };
        mobile: { used: number; capacity: number };
      };
      return s.chat.used > s.chat.capacity || s.mobile.used > s.mobile.capacity;
    });
    expect(over).toEqual([]);

    // And inside every transaction that assigned a conversation.
    const { rows: audit } = await db.query(
      'SELECT count(*)::int AS n, count(*) FILTER (WHERE used > capacity)::int AS over FROM routing.slot_audit',
    );
    expect(audit[0].n).toBeGreaterThanOrEqual(CONVERSATIONS);
    expect(audit[0].over).toBe(0);

    // No conversation was ever held by two agents: per conversation, assigned and unassigned alternate.
    const byConversation = new Map<string, string[]>();
    for (const e of rq.seen) {
      if (
        e.topic === ROUTING_EVENTS &&
        e.key &&
        ['conversation.assigned', 'conversation.unassigned'].includes(e.value.type!)
      ) {
        byConversation.set(e.key, [...(byConversation.get(e.key) ?? []), e.value.type!]);
      }
    }
    for (const id of conversations) {
      const seq = byConversation.get(id) ?? [];
      expect(seq[0]).toBe('conversation.assigned');
      seq.forEach((t, k) =>
        expect(t).toBe(k % 2 === 0 ? 'conversation.assigned' : 'conversation.unassigned'),
      );
    }
    const { rows: held } = await db.query(
      `SELECT count(*)::int AS n FROM routing.routed_conversations WHERE status = 'assigned'`,
    );
    expect(held[0].n).toBe(0);
    console.log(
      `concurrency: ${CONVERSATIONS} conversations, ${AGENTS} agents, ${slotEvents.length} slot changes on the wire, ` +
        `${audit[0].n} audited assignments, 0 over capacity`,
    );
  }, 300_000);
});
