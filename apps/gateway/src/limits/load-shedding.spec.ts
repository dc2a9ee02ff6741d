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

function run(client: RequestClient, method: string, path: string, shed = shedLoad(client)) {
  const req: { method: string; path: string; routePattern?: string; shed?: boolean } = { method, path };
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
  shed(req, res, () => (passed = true));
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
    // The metrics name the route, not "unmatched"; the access log leaves it to the summary line.
    expect(req.routePattern).toBe('/v1/visitor/messages');
    expect(req.shed).toBe(true);
  });

  it('sums its refusals in one warning at most every 5 s, not an access line each', () => {
    const full = clientFullFor('conversation');
    const warnings: string[] = [];
    let t = 0;
    const shed = shedLoad(full, { warn: (m: string) => warnings.push(m) } as never, () => t);
    for (t = 0; t <= 4900; t += 100) run(full, 'POST', '/v1/visitor/messages', shed);
    expect(warnings).toEqual([]);
    t = 5000;
    run(full, 'POST', '/v1/visitor/messages', shed);
    expect(warnings).toEqual([
      'refused 51 request(s) for overloaded services at once (503) in the last 5000 ms',
    ]);
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
