import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import { EMPTY } from 'rxjs';
import { MappedError, toHttpError } from './error-mapping';

interface HttpResponse {
  headersSent: boolean;
  setHeader(name: string, value: string): unknown;
  status(code: number): HttpResponse;
  json(body: unknown): void;
}

interface HttpRequest {
  method?: string;
  url?: string;
}

/**
 * The gateway's one HTTP exception filter: every error leaves as `{"error": {code, message}}`.
 * Kafka handlers and sockets answer their own errors; anything reaching here from them is logged.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(exception: unknown, host: ArgumentsHost) {
    if (host.getType() !== 'http') {
      this.logger.error(`unhandled ${host.getType()} error: ${describe(exception)}`);
      return EMPTY;
    }
    const http = host.switchToHttp();
    const res = http.getResponse<HttpResponse>();
    const req = http.getRequest<HttpRequest>();
    const mapped = toHttpError(exception);
    if (mapped.internal) this.logger.error(`${req.method} ${req.url}: ${describe(exception)}`);
    if (res.headersSent) return;
    sendHttpError(res, mapped);
  }
}

/** Writes a mapped error: its status, `{"error": {code, message}}`, and `Retry-After` when it has one. */
export function sendHttpError(res: HttpResponse, mapped: MappedError): void {
  if (mapped.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(mapped.retryAfterSeconds));
  res.status(mapped.status).json(mapped.body);
}

/** Express error middleware for what fails before Nest's routing (the JSON body parser). */
export function bodyErrorHandler(logger = new Logger('HttpError')) {
  return (err: unknown, req: HttpRequest, res: HttpResponse, next: (err?: unknown) => void) => {
    if (res.headersSent) return next(err);
    const mapped = toHttpError(err);
    if (mapped.internal) logger.error(`${req.method} ${req.url}: ${describe(err)}`);
    sendHttpError(res, mapped);
  };
}

function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
