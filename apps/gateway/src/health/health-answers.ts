import type { ServiceHealth } from '@pupitre/shared';
import { DEFAULT_RETRY_AFTER_SECONDS, type DoorHealthAnswer } from '../http';
import type { ReadinessService } from './readiness.service';

/** The probes answered from memory, which the door thread may answer from the main thread's copy. */
export const HEALTH_PATHS = ['/health/live', '/health/ready', '/health/ready/self'] as const;
export type HealthPath = (typeof HEALTH_PATHS)[number];

/** A probe's answer: its status, its body, and a Retry-After when it is 503 (but for liveness). */
export interface HealthAnswer {
  status: 200 | 503;
  body: unknown;
  retryAfterSeconds?: number;
}

/**
 * Every probe's answer, now (the contract's bodies; docs/operations.md, Health endpoints):
 * - `/health/live`: this gateway's consumer loop is alive (k8s liveness: restart it when not);
 * - `/health/ready`: the whole system is up and consuming (`npm start`, smoke checks);
 * - `/health/ready/self`: this one gateway can serve, its consumer in its group and its reply path
 *   working through the broker (a balancer's check, k8s readiness): 200 while one service is down,
 *   so a balancer does not drop every gateway because billing is.
 * All from memory: no Kafka round trip, nothing that waits behind requests.
 */
export function healthAnswers(
  readiness: ReadinessService,
  health: ServiceHealth,
  now = Date.now(),
): Record<HealthPath, HealthAnswer> {
  const live = health.live(now);
  const system = readiness.check(now);
  const self = readiness.checkSelf(live, now);
  const down = Object.entries(system.services)
    .filter(([, s]) => s === 'down')
    .map(([name]) => name);
  const unavailable = (body: object): HealthAnswer => ({
    status: 503,
    body,
    retryAfterSeconds: DEFAULT_RETRY_AFTER_SECONDS,
  });
  return {
    '/health/live': live.live
      ? { status: 200, body: { status: 'live' } }
      : { status: 503, body: { status: 'down', reason: live.reason } },
    '/health/ready': system.ready
      ? { status: 200, body: { status: 'ready', services: system.services } }
      : unavailable({
          error: { code: 'UNAVAILABLE', message: `not ready: ${down.join(', ')}` },
          services: system.services,
        }),
    '/health/ready/self': self.ready
      ? { status: 200, body: { status: 'ready', checks: self.checks } }
      : unavailable({
          error: { code: 'UNAVAILABLE', message: `not ready: ${self.reasons.join('; ')}` },
          checks: self.checks,
        }),
  };
}

/** The answers as the door thread writes them (HTTP_DOOR_THREAD: http/door-health.ts). */
export function doorHealthAnswers(
  answers: Record<HealthPath, HealthAnswer>,
): Record<HealthPath, DoorHealthAnswer> {
  const out = {} as Record<HealthPath, DoorHealthAnswer>;
  for (const path of HEALTH_PATHS) {
    const { status, body, retryAfterSeconds } = answers[path];
    out[path] = {
      status,
      json: JSON.stringify(body),
      ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    };
  }
  return out;
}
