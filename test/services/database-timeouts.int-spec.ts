import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { DataSource, QueryRunner } from 'typeorm';
import { CONVERSATION_EVENTS, kafkaEnvSchema, parseEnv, ROUTING_EVENTS } from '@pupitre/shared';
import { isolatedTestEnv, TestRequester, waitFor } from '@pupitre/shared/testing';
import { startConversation } from '../../apps/conversation/src/main';
import { ChannelLocks } from '../../apps/routing/src/assignment';
import { startRouting } from '../../apps/routing/src/main';

/**
 * Issue 8, "No database timeouts or keepalives": a routing session that stalls inside a transaction
 * holding every channel lock (a host gone, a process stopped) is ended by the server after
 * DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS, and assignment goes on. Before, it stopped for hours.
 */
describe('database timeouts: a stalled transaction holding the channel locks', () => {
  const apps: INestApplication[] = [];
  let rq: TestRequester;
  let stalled: QueryRunner | null = null;

  beforeAll(async () => {
    const env = await isolatedTestEnv('dbtimeouts');
    const vars = {
      ...process.env,
      ...env.vars,
      SWEEP_INTERVAL_MS: '100',
      DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '1500',
    };
    apps.push((await startConversation(vars)).app);
    apps.push((await startRouting(vars)).app);
    rq = new TestRequester(parseEnv(kafkaEnvSchema, vars));
    await rq.start([ROUTING_EVENTS, CONVERSATION_EVENTS]);
  }, 120_000);

  afterAll(async () => {
    await stalled?.rollbackTransaction().catch(() => undefined);
    await stalled?.release().catch(() => undefined);
    await rq?.stop();
    await Promise.allSettled(apps.reverse().map((app) => app.close()));
  });

  it('ends the stalled session, frees its locks, and assigns', async () => {
    const agentId = randomUUID();
    const { tokenVersion } = await rq.call('routing', 'agent.create', {
      agentId,
      name: 'ann',
      chatCapacity: 3,
    });

    // A session of routing's own pool takes every channel lock and then says nothing more.
    stalled = apps[1].get(DataSource).createQueryRunner();
    await stalled.connect();
    await stalled.startTransaction();
    await new ChannelLocks().lockAll(stalled.manager);

    const connectionId = randomUUID();
    await waitFor(
      async () => {
        const r = await rq.ask(
          'routing',
          'desk.connect',
          { agentId, tokenVersion, connectionId, gatewayInstance: 'test' },
          5000,
        );
        return r.ok;
      },
      { what: 'desk.connect past the stalled locks', timeoutMs: 30_000, intervalMs: 200 },
    );
    const visitorId = randomUUID();
    await rq.call('conversation', 'visitor.register', {
      visitorId,
      channel: 'web_chat',
      name: null,
      platform: null,
    });
    const { conversationId } = await rq.call('conversation', 'visitor.post-message', {
      visitorId,
      text: 'hello',
      clientMessageId: randomUUID(),
    });
    await waitFor(
      () =>
        rq
          .eventsOf('conversation.assigned')
          .some((e) => e.key === conversationId && e.value.data?.agentId === agentId),
      { what: 'the conversation assigned', timeoutMs: 20_000 },
    );
    await expect(stalled.query('SELECT 1')).rejects.toThrow();
  }, 90_000);
});
