import { randomUUID } from 'node:crypto';
import {
  getOps,
  metricValue,
  missingMetrics,
  OpsHarness,
  startOpsHarness,
  whenReady,
} from '@pupitre/shared/testing';
import { startConversation } from '../src/main';

/** Conversation's health and metrics server (OPS_PORT), on a real broker and database. */
describe('conversation: /health and /metrics', () => {
  let sut: OpsHarness;

  beforeAll(async () => (sut = await startOpsHarness('conversationops', startConversation)));

  afterAll(() => sut?.stop());

  it('/health/live is 200, /health/ready 200 with its checks', async () => {
    expect((await getOps(sut.url, '/health/live')).status).toBe(200);
    expect((await whenReady(sut.url, 'conversation')).json()).toMatchObject({
      checks: { consumer: 'up', broker: 'up', database: 'up' },
    });
  });

  it('/metrics times each request by operation and outcome', async () => {
    const visitorId = randomUUID();
    await sut.requester.call('conversation', 'visitor.register', {
      visitorId,
      channel: 'web_chat',
      name: null,
      platform: null,
    });
    await sut.requester.call('conversation', 'visitor.post-message', {
      visitorId,
      text: 'hello',
      clientMessageId: randomUUID(),
    });
    const refused = await sut.requester.ask('conversation', 'conversation.view', {
      conversationId: randomUUID(),
    });
    expect(refused.ok).toBe(false);

    const text = (await getOps(sut.url, '/metrics')).body;
    expect(
      missingMetrics(text, [
        'process_resident_memory_bytes',
        'pupitre_request_duration_seconds',
        'pupitre_consumer_lag',
        'pupitre_outbox_backlog',
        'pupitre_outbox_oldest_age_seconds',
        'pupitre_dead_letters_total',
        'pupitre_consumer_retries_total',
      ]),
    ).toEqual([]);
    const count = (op: string, outcome: string) =>
      metricValue(text, 'pupitre_request_duration_seconds_count', { service: 'conversation', op, outcome });
    expect(count('visitor.post-message', 'ok')).toBe(1);
    expect(count('conversation.view', 'refused')).toBe(1);
    // No label carries an id: nothing shaped like a UUID anywhere in the exposition.
    expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
  });
});
