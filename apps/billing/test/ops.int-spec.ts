import { randomUUID } from 'node:crypto';
import { CONVERSATION_CLOSURES, envelope } from '@pupitre/shared';
import {
  getOps,
  metricValue,
  missingMetrics,
  OpsHarness,
  startOpsHarness,
  waitFor,
  whenReady,
} from '@pupitre/shared/testing';
import { startBilling } from '../src/main';

/** Billing's health and metrics server (OPS_PORT), on a real broker and database. */
describe('billing: /health and /metrics', () => {
  let sut: OpsHarness;

  beforeAll(async () => (sut = await startOpsHarness('billingops', startBilling)));

  afterAll(() => sut?.stop());

  it('/health/live is 200 and /health/ready names its checks: consumer, database, broker', async () => {
    expect((await getOps(sut.url, '/health/live')).json()).toEqual({ status: 'live' });
    expect((await whenReady(sut.url, 'billing')).json()).toEqual({
      status: 'ready',
      checks: { consumer: 'up', broker: 'up', database: 'up' },
    });
  });

  it('/metrics exposes the shared metrics, and counts what was published and dead-lettered', async () => {
    const conversationId = randomUUID();
    const closed = envelope(
      'conversation.closed',
      {
        conversationId,
        visitorId: randomUUID(),
        channel: 'mobile_app',
        reason: 'agent',
        closedAt: new Date().toISOString(),
        lastAgentMessage: { messageId: randomUUID(), agentId: randomUUID() },
      },
      new Date(),
    );
    await sut.producer.send(CONVERSATION_CLOSURES, [
      { key: conversationId, value: JSON.stringify(closed) },
      // Poison: a conversation.closed that is not one (dead-lettered at once).
      { key: conversationId, value: JSON.stringify({ ...closed, eventId: randomUUID(), data: { nope: 1 } }) },
    ]);

    const text = await waitFor(
      async () => {
        const body = (await getOps(sut.url, '/metrics')).body;
        const published = metricValue(body, 'pupitre_events_published_total', {
          topic: 'billing.remunerations',
        });
        const dead = metricValue(body, 'pupitre_dead_letters_total', { topic: 'conversation.closures' });
        return published === 1 && dead === 1 && body;
      },
      { what: 'the remuneration published and the poison dead-lettered, in /metrics' },
    );
    expect(
      missingMetrics(text, [
        'process_cpu_seconds_total',
        'nodejs_eventloop_lag_seconds',
        'pupitre_consumer_lag',
        'pupitre_consumer_live',
        'pupitre_consumer_in_group',
        'pupitre_consumer_retries_total',
        'pupitre_dead_letters_total',
        'pupitre_outbox_backlog',
        'pupitre_outbox_oldest_age_seconds',
        'pupitre_outbox_parked',
        'pupitre_events_published_total',
        'pupitre_request_duration_seconds',
        'pupitre_requests_expired_total',
      ]),
    ).toEqual([]);
    const lag = metricValue(text, 'pupitre_consumer_lag', {
      group: 'billing',
      topic: 'conversation.closures',
    });
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(metricValue(text, 'pupitre_outbox_backlog', { service: 'billing' })).toBeGreaterThanOrEqual(0);
  });
});
