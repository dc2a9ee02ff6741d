import {
  getOps,
  httpUrlOf,
  metricNames,
  metricValue,
  ServiceHarness,
  startServiceHarness,
  waitFor,
} from '@pupitre/shared/testing';
import { startRouting } from '../src/main';

/** Routing's health and metrics server (OPS_PORT), on a real broker and database. */
describe('routing: /health and /metrics', () => {
  let sut: ServiceHarness;
  let url: string;

  beforeAll(async () => {
    sut = await startServiceHarness('routingops', startRouting, []);
    url = httpUrlOf(sut.app);
  });

  afterAll(() => sut?.stop());

  it('/health/live is 200, /health/ready 200 with its checks', async () => {
    expect((await getOps(url, '/health/live')).status).toBe(200);
    const ready = await waitFor(
      async () => {
        const res = await getOps(url, '/health/ready');
        return res.status === 200 && res;
      },
      { what: 'routing /health/ready = 200' },
    );
    expect(ready.json()).toMatchObject({ checks: { consumer: 'up', broker: 'up', database: 'up' } });
  });

  it("/metrics has routing's own gauges per channel besides the shared ones", async () => {
    const text = (await getOps(url, '/metrics')).body;
    const names = metricNames(text);
    for (const name of [
      'pupitre_routing_queue_length',
      'pupitre_routing_slots_in_use',
      'pupitre_routing_slots_capacity',
      'pupitre_routing_deadlines_due',
      'pupitre_consumer_lag',
      'pupitre_outbox_backlog',
      'pupitre_events_published_total',
      'pupitre_request_duration_seconds',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(names).toContain(name);
    }
    for (const channel of ['mobile_app', 'web_chat']) {
      expect(metricValue(text, 'pupitre_routing_queue_length', { channel })).toBe(0);
      expect(metricValue(text, 'pupitre_routing_slots_in_use', { channel })).toBe(0);
    }
    expect(metricValue(text, 'pupitre_routing_deadlines_due', { deadline: 'reassign' })).toBe(0);
  });
});
