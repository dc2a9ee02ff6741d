/**
 * The gateway's probes answered by the door thread (HTTP_DOOR_THREAD). Under an overload the main
 * thread's loop is saturated, and a probe handed to it waited its turn: `bench/overload`'s balancer
 * probes (`GET /health/ready/self` on a new connection, 10 a second) took 96–120 ms at the median and
 * 336–516 ms at p99, up to 617 ms (session 58). Their answers come from memory anyway, so the main
 * thread works them out every 20 ms, sends them to the thread when one changes, and stamps a word of
 * the door's shared state (DoorState.stampHealth) each time. The thread answers a probe from its copy
 * while the stamp is fresh; once the main thread has not worked them out for `maxAgeMs` (its loop
 * stopped, or far behind, or the gateway closing), the probe is handed on as any request, so a stuck
 * gateway still fails its liveness and readiness as it did. With the door's 20-ms tick, the
 * copy the thread gives is at most one tick and the loop's delay old. The probes' own port
 * (HEALTH_PORT, health-thread.ts) answers from such a copy too.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { correlationIdOf } from './correlation-id';
import { pathOf } from './thread-http';

/** A probe's answer as the thread writes it: its status, its body's JSON, and a Retry-After if any. */
export interface DoorHealthAnswer {
  status: number;
  json: string;
  retryAfterSeconds?: number;
}

/** How stale the main thread's copy may be before the thread hands probes on: its loop's turn. */
export const DOOR_HEALTH_MAX_AGE_MS = 1000;

/** The stamp's word holds milliseconds modulo 2^31 (Date.now(), the same clock in every thread). */
const STAMP_MASK = 0x7fffffff;

export function healthStamp(now = Date.now()): number {
  return now & STAMP_MASK || 1; // 0 is "never published"
}

/** How long ago a stamp was taken, correct across the word's wrap (every 24.8 days). */
export function healthStampAgeMs(stamp: number, now = Date.now()): number {
  return (healthStamp(now) - stamp) & STAMP_MASK;
}

/** A probe a thread answered from its copy: its path, its status, and the seconds it took there. */
export interface ProbeServed {
  path: string;
  status: number;
  seconds: number;
}

/** The thread's copy of the probes' answers. */
export class DoorHealth {
  private answers = new Map<string, DoorHealthAnswer>();

  constructor(private readonly maxAgeMs = DOOR_HEALTH_MAX_AGE_MS) {}

  update(answers: Record<string, DoorHealthAnswer>): void {
    this.answers = new Map(Object.entries(answers));
  }

  /**
   * The answer to give a request, if the thread answers it: a GET of a published probe while the main
   * thread's stamp is fresh (0: it has published nothing yet).
   */
  answerFor(
    method: string | undefined,
    path: string,
    stamp: number,
    now = Date.now(),
  ): DoorHealthAnswer | undefined {
    if (method !== 'GET' || stamp === 0 || healthStampAgeMs(stamp, now) > this.maxAgeMs) return undefined;
    return this.answers.get(path);
  }

  /** Answers `req` from the copy if it may (`answerFor`), and says what it answered; else nothing. */
  serve(
    req: IncomingMessage,
    res: ServerResponse,
    stamp: number,
    exposedHeaders: string,
    stopping: boolean,
  ): ProbeServed | undefined {
    const path = pathOf(req.url);
    const answer = this.answerFor(req.method, path, stamp);
    if (!answer) return undefined;
    const started = performance.now();
    writeProbeAnswer(req, res, exposedHeaders, answer, stopping);
    return { path, status: answer.status, seconds: (performance.now() - started) / 1000 };
  }
}

/**
 * A probe answered from the main thread's copy, with the headers the app's answer has (CORS, request
 * id). `stopping`: the connection is not used again (as with a thread's other answers then).
 */
function writeProbeAnswer(
  req: IncomingMessage,
  res: ServerResponse,
  exposedHeaders: string,
  a: DoorHealthAnswer,
  stopping: boolean,
): void {
  if (stopping) res.shouldKeepAlive = false;
  res.writeHead(a.status, {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Expose-Headers': exposedHeaders,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(a.json)),
    'X-Request-Id': correlationIdOf(req.headers),
    ...(a.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(a.retryAfterSeconds) }),
  });
  res.end(a.json);
}
