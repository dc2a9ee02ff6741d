import { Logger } from '@nestjs/common';
import type { ServiceName } from '@pupitre/shared';
import { sendHttpError, toHttpError } from '../http';
import type { RequestClient } from '../kafka';

interface Req {
  method: string;
  path: string;
  /** The route pattern for the access log and metrics when Nest's router never saw the request. */
  routePattern?: string;
  /** Refused here: the access log leaves it out (the sum is logged here), the metrics count it. */
  shed?: boolean;
}
type Res = Parameters<typeof sendHttpError>[0];

/**
 * The routes that carry the load, with the service each one waits for. Only these are shed: they are
 * where a flood comes from (every visitor's messages), and each asks one service only.
 */
const SHED_ROUTES: Record<string, { pattern: string; service: ServiceName }> = {
  'POST /v1/visitor/messages': { pattern: '/v1/visitor/messages', service: 'conversation' },
};

/** Refusals are summed in one log line at most this often. */
const SUMMARY_INTERVAL_MS = 5000;

/**
 * Refuses a request for an overloaded service before anything else is spent on it: no body parsed,
 * no token verified, no rate limit counted. Under overload the refusals outnumber the requests served
 * (clients retry), so a refusal that went through the whole pipeline starved the gateway's event loop,
 * and with it the answers and desk events of the requests it did accept (bench/overload). The answer
 * is the one `RequestClient` gives at its bound: 503 `UNAVAILABLE` with `Retry-After`, the request
 * not sent. Installed right after the access log and correlation id, so refusals are counted like
 * any other answer (`pupitre_http_refused_total`); instead of an access line each (a flood's refusals
 * are thousands a second), one line sums them at most every 5 s.
 */
export function shedLoad(client: RequestClient, logger = new Logger('LoadShedding'), now = Date.now) {
  let shed = 0;
  let since = now();
  return (req: Req, res: Res, next: () => void): void => {
    const route = SHED_ROUTES[`${req.method} ${req.path}`];
    const refusal = route && client.refusal(route.service);
    if (!refusal) return next();
    req.routePattern = route.pattern;
    req.shed = true;
    sendHttpError(res, toHttpError(refusal));
    shed++;
    if (now() - since < SUMMARY_INTERVAL_MS) return;
    logger.warn(
      `refused ${shed} request(s) for overloaded services at once (503) in the last ${now() - since} ms`,
    );
    [shed, since] = [0, now()];
  };
}
