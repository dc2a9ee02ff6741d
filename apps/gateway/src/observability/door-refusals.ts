import type { DoorRefusals, ProbeServed } from '../http';
import type { GatewayMetrics } from './gateway-metrics';
import type { RouteOf } from './route-of';

/** The route the door thread refuses visitor messages on (http/door-worker.ts, SHED_PATH). */
const VISITOR_MESSAGES = '/v1/visitor/messages';

export interface DoorRefusalCounts {
  metrics: Pick<GatewayMetrics, 'httpDone' | 'doorBusyRefused'>;
  /** Conversation's refusals made elsewhere, for its Retry-After (RequestClient). */
  client: { countRefusedElsewhere(service: 'conversation', count: number): void };
  /** The desk feed's refusals (DeskFeedLag). */
  feedLag: { countRefused(count: number): void };
  routeOf: RouteOf;
}

/**
 * Where the door thread's reports of its refusals go (HTTP_DOOR_THREAD): each visitor message it
 * refused into the requests' metrics, and into the count of its reason (conversation overloaded, which
 * the Retry-After follows, or the desk feed behind); each request or upgrade it refused because the
 * app's socket was full into the metrics, by the route it was for; each probe it answered itself
 * (http/door-health.ts) into the requests' metrics under its route.
 */
export function countDoorRefusals(c: DoorRefusalCounts): (refusals: DoorRefusals) => void {
  return ({ seconds, desksBehind, busy, probes }) => {
    for (const s of seconds) c.metrics.httpDone('POST', VISITOR_MESSAGES, 503, s);
    for (const b of busy) c.metrics.doorBusyRefused(b.method, c.routeOf(b.method, b.path), b.seconds);
    countThreadProbes(c.metrics)(probes);
    c.client.countRefusedElsewhere('conversation', seconds.length - desksBehind);
    c.feedLag.countRefused(desksBehind);
  };
}

/**
 * Where the probes a thread answered from this thread's copy go (the door thread, the health thread:
 * http/door-health.ts): into the requests' metrics under their own route, as if served here.
 */
export function countThreadProbes(
  metrics: Pick<GatewayMetrics, 'httpDone'>,
): (probes: ProbeServed[]) => void {
  return (probes) => {
    for (const p of probes) metrics.httpDone('GET', p.path, p.status, p.seconds);
  };
}
