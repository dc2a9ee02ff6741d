import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { metricNames, metricValue, waitFor } from '@pupitre/shared/testing';
import { factory } from './support/factories';
import { startSystem, System } from './support/system';

interface LogLine {
  level: string;
  msg: string;
  service?: string;
  context?: string;
  correlationId?: string;
  causationId?: string;
}

/** Every JSON log line written to stdout while `capture` is on (the quiet environment still keeps them). */
function captureLogs() {
  const lines: LogLine[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
    for (const text of String(chunk).split('\n')) {
      if (!text.startsWith('{')) continue;
      try {
        lines.push(JSON.parse(text) as LogLine);
      } catch {
        // not a log line
      }
    }
    return (write as (...a: unknown[]) => boolean).call(process.stdout, chunk, ...rest);
  }) as typeof process.stdout.write;
  return { lines, stop: () => (process.stdout.write = write) };
}

/** The gateway's health endpoints, its /metrics, and one correlation id along one request's path. */
describe('operations (e2e)', () => {
  let sut: System;
  beforeAll(async () => {
    sut = await startSystem();
  });
  afterAll(() => sut?.stop());

  it('/health/live, /health/ready (the system) and /health/ready/self (this gateway) are 200', async () => {
    expect((await sut.http('GET', '/health/live')).body).toEqual({ status: 'live' });
    expect((await sut.http('GET', '/health/ready')).status).toBe(200);
    const self = await waitFor(
      async () => {
        const res = await sut.http('GET', '/health/ready/self');
        return res.status === 200 && res;
      },
      { what: '/health/ready/self = 200' },
    );
    expect(self.body).toEqual({ status: 'ready', checks: { consumer: 'up', replyPath: 'up' } });
  });

  it('/metrics: HTTP and socket latency by route and command, refusals, in-flight requests, services up', async () => {
    const { desk } = await sut.agentAtDesk(factory.agent());
    await desk.ask('agent.status', { status: 'away' });
    await sut.http('GET', '/v1/visitor/conversations', { token: 'not-a-token' });
    const res = await sut.http<string>('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = res.body;
    const names = metricNames(text);
    for (const name of [
      'pupitre_http_request_duration_seconds',
      'pupitre_http_refused_total',
      'pupitre_socket_command_duration_seconds',
      'pupitre_socket_refused_total',
      'pupitre_service_requests_in_flight',
      'pupitre_desk_feed_lag_seconds',
      'pupitre_desk_feed_refused_total',
      'pupitre_desk_feed_forgotten_total',
      'pupitre_service_up',
      'pupitre_gateway_ready_self',
      'pupitre_consumer_lag',
      'pupitre_consumer_live',
      'process_cpu_seconds_total',
    ]) {
      expect(names).toContain(name);
    }
    const admin = { method: 'POST', route: '/v1/admin/agents', status: '201' };
    expect(metricValue(text, 'pupitre_http_request_duration_seconds_count', admin)).toBeGreaterThanOrEqual(1);
    const unauthenticated = { route: '/v1/visitor/conversations', status: '401' };
    expect(metricValue(text, 'pupitre_http_request_duration_seconds_count', unauthenticated)).toBe(1);
    const command = { namespace: 'desk', command: 'agent.status', outcome: 'ok' };
    expect(metricValue(text, 'pupitre_socket_command_duration_seconds_count', command)).toBe(1);
    for (const target of ['conversation', 'routing', 'billing']) {
      expect(metricValue(text, 'pupitre_service_up', { target })).toBe(1);
    }
    // Route patterns and codes only: no id in any label.
    expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
    await sut.reset();
  });

  it("one visitor message's log lines share its request id: gateway HTTP, conversation's handler, routing's consumer, the gateway's fan-out", async () => {
    const { desk } = await sut.agentAtDesk(factory.agent());
    const visitor = await sut.visitor('web_chat');
    const first = await visitor.say('Bonjour');
    await desk.assigned(first.conversationId);

    Logger.overrideLogger(['debug', 'log', 'warn', 'error']);
    const logs = captureLogs();
    const requestId = `e2e-${randomUUID()}`;
    try {
      const posted = await sut.http<{ messageId: string }>('POST', '/v1/visitor/messages', {
        token: visitor.token,
        body: { text: 'a question', clientMessageId: factory.clientMessageId() },
        headers: { 'x-request-id': requestId },
      });
      expect(posted.status).toBe(201);
      expect(posted.headers.get('x-request-id')).toBe(requestId);
      await desk.next('message.created', (p) => p.message.id === posted.body.messageId, 'the message');

      const mine = () => logs.lines.filter((l) => l.correlationId === requestId);
      const has = (service: string, pattern: RegExp) =>
        mine().some((l) => l.service === service && pattern.test(l.msg));
      await waitFor(() => has('routing', /^applying message\.posted/), {
        what: "routing's line for the message, with the request id",
      });
      expect(has('gateway', /^POST \/v1\/visitor\/messages 201/)).toBe(true);
      expect(has('conversation', /^request visitor\.post-message: ok/)).toBe(true);
      expect(has('gateway', /^fanning out message\.posted/)).toBe(true);
      // Every line caused by this request or by the events it led to (same causation id) names it.
      const causes = new Set(mine().map((l) => l.causationId));
      const caused = logs.lines.filter((l) => l.causationId && causes.has(l.causationId));
      expect(caused.length).toBeGreaterThanOrEqual(3);
      expect(caused.filter((l) => l.correlationId !== requestId)).toEqual([]);
    } finally {
      logs.stop();
      Logger.overrideLogger(['warn', 'error']);
    }
    await sut.reset();
  });
});
