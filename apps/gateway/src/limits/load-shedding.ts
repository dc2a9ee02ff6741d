import { Logger } from '@nestjs/common';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { ServiceName } from '@pupitre/shared';
import { admittedByDoor, correlationIdOf, isRetry, type NotSent, toHttpError } from '../http';
import type { RequestClient } from '../kafka';
import type { GatewayMetrics } from '../observability';
import type { RefusingPriority } from './refusing-priority';

/** Connect-style middleware over Node's own request and response (what `cors()` is). */
type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;
type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The routes that carry the load, with the service each one waits for. Only these are shed: they are
 * where a flood comes from (every visitor's messages), and each asks one service only. `toDesks`: what
 * the route accepts goes on to the desks through this gateway's feed, so it is refused too while that
 * is too far behind (DeskFeedLag).
 */
const SHED_ROUTES: Record<string, { pattern: string; service: ServiceName; toDesks: boolean }> = {
  'POST /v1/visitor/messages': { pattern: '/v1/visitor/messages', service: 'conversation', toDesks: true },
};

/** Refusals are summed in one log line at most this often. */
const SUMMARY_INTERVAL_MS = 5000;

export interface LoadShedderOptions {
  client: Pick<RequestClient, 'refusal'>;
  /** The desk feed's lag (fanout's DeskFeedLag); none: routes are refused for their service only. */
  feedLag?: { refusal(): NotSent | null };
  metrics: Pick<GatewayMetrics, 'httpDone'>;
  /** The CORS middleware every other answer goes through, so that a browser's web chat reads the 503. */
  cors: Middleware;
  /** Told of every refusal: the main thread's priority while the door refuses (refusing-priority.ts). */
  priority?: Pick<RefusingPriority, 'refused'>;
  logger?: Pick<Logger, 'warn'>;
  now?: () => number;
}

/**
 * Refuses a request for an overloaded service before anything is spent on it: not Express's pipeline,
 * no body parsed, no token verified, no rate limit counted. Under overload the refusals outnumber the
 * requests served (clients retry), so every microsecond of a refusal is taken from the answers and
 * desk events of the requests the gateway did accept (bench/overload). A visitor message is refused
 * too while a message this gateway accepted waits longer than DESK_FEED_LAG_LIMIT_MS for its desk
 * feed (DeskFeedLag). A client's retry (`X-Attempt`) meets the retries' lower bound
 * (RequestClient.boundFor), so it waits behind new messages. The answer is the one `RequestClient`
 * gives at its bound: 503 `UNAVAILABLE` with `Retry-After`, the request not sent, with the headers
 * every answer has (CORS, `X-Request-Id`), written in one go. Counted like any other answer
 * (`pupitre_http_request_duration_seconds`, `pupitre_http_refused_total`, by route); instead of an
 * access line each (a flood's refusals are thousands a second), one line sums them at most every
 * 5 s. Returns whether it answered.
 */
export function loadShedder(o: LoadShedderOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const logger = o.logger ?? new Logger('LoadShedding');
  const now = o.now ?? Date.now;
  let shed = 0;
  let since = now();
  return (req, res) => {
    // Admitted by the door thread against the same bound (http/door-thread.ts): not refused twice.
    if (admittedByDoor(req.headers)) return false;
    const route = SHED_ROUTES[`${req.method} ${pathOf(req.url)}`];
    const refusal =
      route &&
      (o.client.refusal(route.service, isRetry(req.headers)) ??
        (route.toDesks ? o.feedLag?.refusal() : null));
    if (!refusal) return false;
    const started = performance.now();
    const { status, body, retryAfterSeconds } = toHttpError(refusal);
    const json = JSON.stringify(body);
    // CORS is synchronous for fixed options: its headers are set before the head is written.
    o.cors(req, res, () => undefined);
    res.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(json),
      'Retry-After': String(retryAfterSeconds),
      'X-Request-Id': correlationIdOf(req.headers),
    });
    res.end(json);
    o.priority?.refused();
    o.metrics.httpDone(req.method as string, route.pattern, status, (performance.now() - started) / 1000);
    shed++;
    if (now() - since >= SUMMARY_INTERVAL_MS) {
      logger.warn(
        `refused ${shed} request(s) at once (503: a service at its bound, or the desk feed behind) in the last ${now() - since} ms`,
      );
      [shed, since] = [0, now()];
    }
    return true;
  };
}

/**
 * Puts `shed` in front of whatever serves the HTTP server's requests (Express, behind Socket.IO's
 * engine, which took the `request` listeners when it attached): what it answers goes no further.
 * Call it once the app is initialised (the sockets attached) and before the server listens. Out here
 * no framework catches errors: one thrown by `shed` is logged and the request goes on to the app
 * (whose own bound refuses it the same way), unless an answer was already begun.
 */
export function shedAtTheDoor(
  server: Server,
  shed: (req: IncomingMessage, res: ServerResponse) => boolean,
  logger: Pick<Logger, 'error'> = new Logger('LoadShedding'),
): void {
  const listeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    let answered: boolean;
    try {
      answered = shed(req, res);
    } catch (err) {
      logger.error(`the load shedder failed on ${req.method} ${req.url}: ${(err as Error).stack ?? err}`);
      answered = res.headersSent;
      if (answered) res.destroy();
    }
    if (answered) return;
    for (const listener of listeners) listener.call(server, req, res);
  });
}

/** The URL's path, without its query (what Express's `req.path` is). */
function pathOf(url = '/'): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
