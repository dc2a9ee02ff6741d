import type { ServiceName } from '@pupitre/shared';
import { NotSent } from '../http';
import type { RequestClient } from '../kafka';
import { shedLoad } from './load-shedding';

/** A RequestClient whose bound is full for the services named. */
const clientFullFor = (...full: ServiceName[]) =>
  ({
    refusal: (service: ServiceName) =>
      full.includes(service) ? new NotSent(`${service} is overloaded; try again later`, 3) : null,
  }) as unknown as RequestClient;

function run(client: RequestClient, method: string, path: string) {
  const req: { method: string; path: string; routePattern?: string } = { method, path };
  const headers: Record<string, string> = {};
  const res = {
    headersSent: false,
    statusCode: 200,
    body: undefined as unknown,
    setHeader: (name: string, value: string) => (headers[name] = value),
    status(code: number) {
      this.statusCode = code;
      return this;
    },
    json(body: unknown) {
      this.body = body;
    },
  };
  let passed = false;
  shedLoad(client)(req, res, () => (passed = true));
  return { passed, req, res, headers };
}

describe(shedLoad.name, () => {
  it('answers a visitor message for an overloaded conversation service at once: 503 UNAVAILABLE, Retry-After, nothing else runs', () => {
    const { passed, req, res, headers } = run(clientFullFor('conversation'), 'POST', '/v1/visitor/messages');
    expect(passed).toBe(false);
    expect(res.statusCode).toBe(503);
    expect(res.body).toEqual({
      error: { code: 'UNAVAILABLE', message: 'conversation is overloaded; try again later' },
    });
    expect(headers['Retry-After']).toBe('3');
    // The access log and the metrics name the route, not "unmatched".
    expect(req.routePattern).toBe('/v1/visitor/messages');
  });

  it('lets it through while the service is under its bound', () => {
    expect(run(clientFullFor('routing'), 'POST', '/v1/visitor/messages').passed).toBe(true);
  });

  it('sheds only the routes that carry the load: reads and other routes go on to their handlers', () => {
    const full = clientFullFor('conversation', 'routing', 'billing');
    expect(run(full, 'GET', '/v1/visitor/messages').passed).toBe(true);
    expect(run(full, 'GET', '/v1/visitor/conversations').passed).toBe(true);
    expect(run(full, 'POST', '/v1/visitors').passed).toBe(true);
    expect(run(full, 'GET', '/health/ready').passed).toBe(true);
  });
});
