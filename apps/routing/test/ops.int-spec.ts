import {
  getOps,
  metricValue,
  missingMetrics,
  OpsHarness,
  startOpsHarness,
  whenReady,
} from '@pupitre/shared/testing';
import { startRouting } from '../src/main';

/** Routing's health and metrics server (OPS_PORT), on a real broker and database. */
describe('routing: /health and /metrics', () => {
  let sut: OpsHarness;

  beforeAll(async () => (sut = await startOpsHarness('routingops', startRouting)));

  afterAll(() => sut?.stop());

  it('/health/live is 200, /health/ready 200 with its checks', async () => {
    expect((await getOps(sut.url, '/health/live')).status).toBe(200);
    expect((await whenReady(sut.url, 'routing')).json()).toMatchObject({
      checks: { consumer: 'up', broker: 'up', database: 'up' },
    });
  });

  it("/metrics has routing's own gauges per channel besides the shared ones", async () => {
    const text = (await getOps(sut.url, '/metrics')).body;
    expect(
      missingMetrics(text, [
        'pupitre_routing_queue_length',
        'pupitre_routing_slots_in_use',
        'pupitre_routing_slots_capacity',
        'pupitre_routing_deadlines_due',
        'pupitre_routing_deadlines_overdue_seconds',
        'pupitre_routing_deadlines_unpublished',
        'pupitre_consumer_lag',
        'pupitre_outbox_backlog',
        'pupitre_events_published_total',
        'pupitre_request_duration_seconds',
        'nodejs_heap_size_used_bytes',
      ]),
    ).toEqual([]);
    for (const channel of ['mobile_app', 'web_chat']) {
      expect(metricValue(text, 'pupitre_routing_queue_length', { channel })).toBe(0);
      expect(metricValue(text, 'pupitre_routing_slots_in_use', { channel })).toBe(0);
    }
    expect(metricValue(text, 'pupitre_routing_deadlines_due', { deadline: 'reassign' })).toBe(0);
    expect(metricValue(text, 'pupitre_routing_deadlines_overdue_seconds', { deadline: 'close' })).toBe(0);
    expect(metricValue(text, 'pupitre_routing_deadlines_unpublished', {})).toBe(0);
  });
});
