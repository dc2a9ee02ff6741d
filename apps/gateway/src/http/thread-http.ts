import type http from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { correlationIdOf } from './correlation-id';

/**
 * What the gateway's own threads in front of the app (the door thread, the health thread) share to
 * answer and to hand requests on: the headers each hop drops, an answer piped back, and the
 * contract's error written in place of the app.
 */

/** The header the door thread marks what it admitted with (any copy a client sends is dropped). */
export const DOOR_ADMITTED_HEADER = 'x-pupitre-door-admitted';

/** Headers of one hop only (RFC 9110 §7.6.1): never passed on in either direction. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade'];
/**
 * A client's request loses these too: the door thread's own header, and what the app would otherwise
 * believe of a trusted first hop (it trusts the thread's; the door thread sets only X-Forwarded-For).
 */
export const CLIENT_CLAIMS = new Set([
  DOOR_ADMITTED_HEADER,
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
]);
export const NOT_FROM_CLIENTS = new Set([...HOP_BY_HOP, ...CLIENT_CLAIMS]);
/** An answer loses these too: this hop's framing is Node's to choose (an HTTP/1.0 client gets none). */
export const NOT_TO_CLIENTS = new Set([...HOP_BY_HOP, 'transfer-encoding']);

export function passedOn(headers: IncomingHttpHeaders, dropped: Set<string>): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !dropped.has(name)) out[name] = value;
  }
  return out;
}

/**
 * The app's answer back to the client as it comes. An answer cut short by the app cuts the client's
 * short too (pipe alone would leave it open). Not stream.pipeline: at its end it aborts an
 * AbortController of its own, whose DOMException (a stack trace) took 5 % of the door thread at
 * 1,000 visitor messages/s (bench/results/gateway-door-thread-profile-1000-session38-*).
 */
export function pipeAnswer(answer: IncomingMessage, res: ServerResponse): void {
  res.writeHead(answer.statusCode ?? 502, answer.statusMessage, passedOn(answer.headers, NOT_TO_CLIENTS));
  answer.pipe(res);
  answer.on('error', () => res.destroy());
  answer.once('close', () => {
    if (!answer.complete) res.destroy();
  });
}

/**
 * The contract's error (`{error: {code, message}}`) as the app would write it: its headers (CORS, so
 * a browser's web chat can read it; the request id; a Retry-After if given) and its body.
 */
export function errorAnswer(
  req: IncomingMessage,
  exposedHeaders: string,
  code: string,
  message: string,
  retryAfterSeconds?: number,
): { headers: Record<string, string>; json: string } {
  const json = JSON.stringify({ error: { code, message } });
  const headers: Record<string, string> = {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Expose-Headers': exposedHeaders,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(json)),
  };
  if (retryAfterSeconds !== undefined) headers['Retry-After'] = String(retryAfterSeconds);
  headers['X-Request-Id'] = correlationIdOf(req.headers);
  return { headers, json };
}

/** A request's path, without its query. */
export function pathOf(url = '/'): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
