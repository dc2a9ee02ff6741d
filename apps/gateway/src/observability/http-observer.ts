import { Logger } from '@nestjs/common';
import { withLogContext } from '@pupitre/shared';
import { correlationIdOf } from '../http';
import type { GatewayMetrics } from './gateway-metrics';

interface Req {
  method: string;
  originalUrl?: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  route?: { path?: string };
  baseUrl?: string;
  correlationId?: string;
}
interface Res {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  on(event: 'finish' | 'close', fn: () => void): unknown;
}

const logger = new Logger('http');

/**
 * Every HTTP request: its correlation id (the client's `X-Request-Id` when well formed, else a new
 * one; echoed in the response) on every log line of its path — the gateway's, and through the request
 * envelope the services' and their events' (logging/log-context.ts) — then one access line and the
 * latency metric. Installed first, so that refusals of the body parser are measured too; the parser's
 * callbacks lose the context, so `restoreLogContext` enters it again after the parser.
 */
export function observeHttp(metrics: GatewayMetrics) {
  return (req: Req, res: Res, next: () => void): void => {
    const correlationId = correlationIdOf(req.headers);
    req.correlationId = correlationId;
    res.setHeader('X-Request-Id', correlationId);
    const started = performance.now();
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      const seconds = (performance.now() - started) / 1000;
      // The pattern (`/v1/visitor/conversations/:id/messages`), never the URL: ids stay out of labels.
      const route = req.route?.path ? `${req.baseUrl ?? ''}${req.route.path}` : 'unmatched';
      metrics.httpDone(req.method, route, res.statusCode, seconds);
      withLogContext({ correlationId, service: 'gateway' }, () =>
        logger.log({
          msg: `${req.method} ${route} ${res.statusCode} ${Math.round(seconds * 1000)} ms`,
          method: req.method,
          route,
          status: res.statusCode,
          ms: Math.round(seconds * 1000),
        }),
      );
    };
    res.on('finish', finish);
    res.on('close', finish);
    withLogContext({ correlationId, service: 'gateway' }, next);
  };
}

/** After the body parser: the rest of the request runs in its correlation id's context again. */
export function restoreLogContext() {
  return (req: Req, _res: Res, next: () => void): void => {
    if (!req.correlationId) return next();
    withLogContext({ correlationId: req.correlationId, service: 'gateway' }, next);
  };
}
