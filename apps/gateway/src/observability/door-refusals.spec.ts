import { ServiceMetrics } from '@pupitre/shared';
import type { RequestClient } from '../kafka';
import { countDoorRefusals } from './door-refusals';
import { GatewayMetrics } from './gateway-metrics';

/** A gateway's metrics and the counts the door's reports feed, as main.ts wires them. */
function wired() {
  const registry = new ServiceMetrics('gateway');
  const client = {
    inFlightTo: () => 0,
    boundFor: () => 256,
    usualLatencyMs: () => undefined,
    refusedElsewhere: 0,
    countRefusedElsewhere(_service: 'conversation', count: number) {
      this.refusedElsewhere += count;
    },
  };
  const feedLag = {
    refused: 0,
    countRefused(count: number) {
      this.refused += count;
    },
  };
  const metrics = new GatewayMetrics(registry, client as unknown as RequestClient);
  const routes: Record<string, string> = {
    'GET /health/live': '/health/live',
    'GET /socket.io/': 'socket.io',
  };
  const count = countDoorRefusals({
    metrics,
    client,
    feedLag,
    routeOf: (method, path) => routes[`${method} ${path}`] ?? 'unmatched',
  });
  /** The exposition's lines for one metric, values included (less the registry's `service` label). */
  const lines = async (name: string) =>
    (await registry.metrics())
      .split('\n')
      .filter((line) => line.startsWith(`${name}{`))
      .map((line) => line.replace(/service="gateway",|,service="gateway"/, ''));
  return { client, feedLag, count, lines };
}

describe(countDoorRefusals.name, () => {
  it('counts refused visitor messages under their route, and each reason where its Retry-After is kept', async () => {
    const { client, feedLag, count, lines } = wired();
    count({ seconds: Float64Array.from([0.001, 0.002, 0.004]), desksBehind: 1, busy: [], probes: [] });
    expect(await lines('pupitre_http_refused_total')).toEqual([
      'pupitre_http_refused_total{route="/v1/visitor/messages",status="503"} 3',
    ]);
    expect(await lines('pupitre_http_request_duration_seconds_count')).toEqual([
      'pupitre_http_request_duration_seconds_count{method="POST",route="/v1/visitor/messages",status="503"} 3',
    ]);
    // Two while conversation was at its bound, one while the desk feed was behind.
    expect(client.refusedElsewhere).toBe(2);
    expect(feedLag.refused).toBe(1);
    expect(await lines('pupitre_http_door_busy_total')).toEqual([]);
  });

  it("counts what the app's full socket refused under door-busy, and by the route it was for", async () => {
    const { client, feedLag, count, lines } = wired();
    count({
      seconds: new Float64Array(0),
      desksBehind: 0,
      busy: [
        { method: 'GET', path: '/health/live', seconds: 0.001 },
        { method: 'GET', path: '/socket.io/', seconds: 0.002 },
        { method: 'GET', path: '/socket.io/', seconds: 0.001 },
        { method: 'DELETE', path: '/nowhere', seconds: 0.001 },
      ],
      probes: [],
    });
    expect(await lines('pupitre_http_refused_total')).toEqual([
      'pupitre_http_refused_total{route="door-busy",status="503"} 4',
    ]);
    expect(await lines('pupitre_http_door_busy_total')).toEqual([
      'pupitre_http_door_busy_total{method="GET",route="/health/live"} 1',
      'pupitre_http_door_busy_total{method="GET",route="socket.io"} 2',
      'pupitre_http_door_busy_total{method="DELETE",route="unmatched"} 1',
    ]);
    // Not visitor messages: neither conversation's Retry-After nor the feed's hears of them.
    expect(client.refusedElsewhere).toBe(0);
    expect(feedLag.refused).toBe(0);
  });

  it('counts the probes it answered under their route and status, as if served by the app', async () => {
    const { count, lines } = wired();
    count({
      seconds: new Float64Array(0),
      desksBehind: 0,
      busy: [],
      probes: [
        { path: '/health/ready/self', status: 200, seconds: 0.0001 },
        { path: '/health/ready/self', status: 200, seconds: 0.0001 },
        { path: '/health/ready', status: 503, seconds: 0.0001 },
      ],
    });
    expect(await lines('pupitre_http_request_duration_seconds_count')).toEqual([
      'pupitre_http_request_duration_seconds_count{method="GET",route="/health/ready/self",status="200"} 2',
      'pupitre_http_request_duration_seconds_count{method="GET",route="/health/ready",status="503"} 1',
    ]);
  });
});
