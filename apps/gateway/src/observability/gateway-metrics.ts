import { Injectable } from '@nestjs/common';
import type { Counter, Histogram } from 'prom-client';
import { ServiceMetrics, SERVICES } from '@pupitre/shared';
import { DOOR_BUSY_ROUTE, type DoorPriority } from '../http';
import { RequestClient } from '../kafka';

/** Socket namespaces measured (CONTRACT.md: /desk, /visitor). */
export type SocketNamespace = 'desk' | 'visitor';

/**
 * The gateway's own metrics, on its ServiceMetrics registry (GET /metrics): HTTP and socket command
 * latency, requests refused (429, 503), and the requests waiting for each service. Labels are route
 * patterns, command names, status codes and error codes: never ids.
 */
@Injectable()
export class GatewayMetrics {
  private readonly http: Histogram<'method' | 'route' | 'status'>;
  private readonly refused: Counter<'route' | 'status'>;
  private readonly doorBusy: Counter<'method' | 'route'>;
  private readonly socket: Histogram<'namespace' | 'command' | 'outcome'>;
  private readonly socketRefused: Counter<'namespace' | 'command' | 'code'>;
  /** The door thread's priority, once it runs (HTTP_DOOR_THREAD). */
  private door: DoorPriority | undefined;
  /** The health thread's nice value, once it runs (HEALTH_PORT). */
  private healthNice: number | undefined;

  constructor(metrics: ServiceMetrics, client: RequestClient) {
    this.http = metrics.histogram(
      'pupitre_http_request_duration_seconds',
      'HTTP requests to the gateway, by method, route pattern and status',
      ['method', 'route', 'status'],
    );
    this.refused = metrics.counter(
      'pupitre_http_refused_total',
      'HTTP requests refused for load: 429 RATE_LIMITED and 503 UNAVAILABLE, by route pattern',
      ['route', 'status'],
    );
    this.doorBusy = metrics.counter(
      'pupitre_http_door_busy_total',
      "Requests and upgrades the door thread refused 503 because the app's socket had no room for them, by method and the route pattern they were for",
      ['method', 'route'],
    );
    this.socket = metrics.histogram(
      'pupitre_socket_command_duration_seconds',
      'Socket commands, by namespace, command and outcome (ok or the error code)',
      ['namespace', 'command', 'outcome'],
    );
    this.socketRefused = metrics.counter(
      'pupitre_socket_refused_total',
      'Socket commands refused for load (RATE_LIMITED, UNAVAILABLE)',
      ['namespace', 'command', 'code'],
    );
    // Whether the door thread got the priority asked for: without it, its refusals wait for a core
    // like any thread's (docs/architecture.md, Overload). Absent without the door thread.
    metrics.gauge(
      'pupitre_door_thread_fifo_priority',
      "The door thread's SCHED_FIFO priority (HTTP_DOOR_THREAD_FIFO), 0 when it is not under that policy",
      [],
      (set) => {
        if (this.door) set({}, this.door.fifo);
      },
    );
    metrics.gauge(
      'pupitre_door_thread_nice',
      "The door thread's nice value (HTTP_DOOR_THREAD_NICE), what it runs at when not under SCHED_FIFO",
      [],
      (set) => {
        if (this.door) set({}, this.door.nice);
      },
    );
    metrics.gauge(
      'pupitre_health_thread_nice',
      "The health thread's nice value (HEALTH_THREAD_NICE), absent without HEALTH_PORT: 0 where -20 was asked for means the container did not grant it, and probes wait for a core like any thread's",
      [],
      (set) => {
        if (this.healthNice !== undefined) set({}, this.healthNice);
      },
    );
    metrics.gauge(
      'pupitre_service_requests_in_flight',
      'Requests this gateway sent to a service and still waits for (bounded: MAX_IN_FLIGHT_PER_SERVICE)',
      ['target'],
      (set) => {
        for (const s of SERVICES) set({ target: s }, client.inFlightTo(s));
      },
    );
    metrics.gauge(
      'pupitre_service_request_bound',
      'How many requests this gateway lets wait for a service now: a first try, or a client retry (X-Attempt)',
      ['target', 'attempt'],
      (set) => {
        for (const s of SERVICES) {
          set({ target: s, attempt: 'first' }, client.boundFor(s));
          set({ target: s, attempt: 'retry' }, client.boundFor(s, true));
        }
      },
    );
    metrics.gauge(
      'pupitre_service_usual_latency_seconds',
      'The lowest per-second mean of a service answer time over the last 5 minutes (what retries are held to, plus REQUEST_RETRY_QUEUE_TARGET_MS)',
      ['target'],
      (set) => {
        for (const s of SERVICES) {
          const ms = client.usualLatencyMs(s);
          if (ms !== undefined) set({ target: s }, ms / 1000);
        }
      },
    );
  }

  /** What the door thread got of its priority: set once it listens. */
  doorThreadPriority(priority: DoorPriority): void {
    this.door = priority;
  }

  healthThreadNice(nice: number): void {
    this.healthNice = nice;
  }

  httpDone(method: string, route: string, status: number, seconds: number): void {
    this.http.observe({ method, route, status: String(status) }, seconds);
    if (status === 429 || status === 503) this.refused.inc({ route, status: String(status) });
  }

  /**
   * A request or upgrade the door thread refused because the app's socket was full: in the requests'
   * metrics under the route `door-busy` (the app never saw it), and by the route it was for here.
   */
  doorBusyRefused(method: string, route: string, seconds: number): void {
    this.httpDone(method, DOOR_BUSY_ROUTE, 503, seconds);
    this.doorBusy.inc({ method, route });
  }

  /** `answer` is the command's acknowledgement (`{ok}` or `{ok: false, error: {code}}`). */
  socketDone(namespace: SocketNamespace, command: string, answer: unknown, seconds: number): void {
    const a = answer as { ok?: boolean; error?: { code?: string } } | undefined;
    const outcome = a?.ok ? 'ok' : (a?.error?.code ?? 'INTERNAL');
    this.socket.observe({ namespace, command, outcome }, seconds);
    if (outcome === 'RATE_LIMITED' || outcome === 'UNAVAILABLE') {
      this.socketRefused.inc({ namespace, command, code: outcome });
    }
  }
}
