import { mkdtemp, readdir, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { factory } from './support/factories';
import { expectEachStoredOnce, expectRefusals, postUntilRefused, withinTheBound } from './support/overload';
import { startSystem, System } from './support/system';

/**
 * HTTP_DOOR_THREAD (issue 7): the public port on a thread of its own, the app behind it. Everything
 * still works through it — requests, the desk's and the visitor's sockets, limits per client address —
 * and a visitor message beyond the bound is refused by the thread as the main thread's door would:
 * 503 UNAVAILABLE with Retry-After, never applied later. A bound of one request, as in
 * overload.e2e-spec.ts; the thread at the process's priority (CI need not hold CAP_SYS_NICE).
 */
const REGISTRATIONS_PER_MINUTE = 3;

describe('the door thread (e2e)', () => {
  let sut: System;
  beforeAll(async () => {
    sut = await startSystem({
      HTTP_DOOR_THREAD: 'true',
      HTTP_DOOR_THREAD_NICE: '0',
      MAX_IN_FLIGHT_PER_SERVICE: '1',
      TRUST_PROXY: 'loopback',
      RATE_LIMIT_VISITORS_PER_MINUTE: String(REGISTRATIONS_PER_MINUTE),
    });
  });
  afterEach(() => sut.reset());
  afterAll(() => sut?.stop());

  it('a conversation goes through it to the desk (a socket piped through it), its messages both ways', async () => {
    const { desk } = await sut.agentAtDesk(factory.agent());
    const visitor = await withinTheBound(() => sut.visitor('mobile_app'));
    const device = await visitor.socket();
    const first = await withinTheBound(() => visitor.say('hello through the door'));
    await desk.assigned(first.conversationId);
    const second = await withinTheBound(() => visitor.say('and again'));
    const heard = await desk.next('message.created', (p) => p.message.id === second.messageId);
    expect(heard.message.text).toBe('and again');

    const ack = await withinTheBound(() => desk.send(first.conversationId, 'hello back'));
    expect(ack.ok).toBe(true);
    const reply = await device.next('message.created', (p) => p.message.text === 'hello back');
    expect(reply.message.author.type).toBe('agent');
  });

  it('a POST beyond the bound is refused by the thread: 503 UNAVAILABLE, Retry-After, CORS; retried, stored once', async () => {
    const visitor = await withinTheBound(() => sut.visitor('mobile_app'));
    const answers = await postUntilRefused(visitor);

    const refused = expectRefusals(answers);
    for (const [, res] of refused) {
      expect(res.headers.get('access-control-expose-headers')).toContain('Retry-After');
      expect(res.headers.get('x-request-id')).toBeTruthy();
    }

    for (const [id] of refused) await withinTheBound(() => visitor.say(`text ${id}`, id));
    await expectEachStoredOnce(visitor, answers);
  });

  it('/metrics says what priority the thread got: here nice 0, not under SCHED_FIFO', async () => {
    const res = await sut.http<string>('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.body).toMatch(/^pupitre_door_thread_nice\{[^}]*\} 0$/m);
    expect(res.body).toMatch(/^pupitre_door_thread_fifo_priority\{[^}]*\} 0$/m);
  });

  it('a gateway whose port is taken fails to start, and leaves neither its app nor its directory behind', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, resolve));
    const port = (taken.address() as net.AddressInfo).port;
    // A temporary directory of this test's own, whatever else starts a gateway meanwhile.
    const tmp = await mkdtemp(join(tmpdir(), 'door-thread-e2e-'));
    const tmpBefore = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      await expect(sut.anotherGateway({ PORT: String(port) })).rejects.toThrow(/EADDRINUSE/);
      expect(await readdir(tmp)).toEqual([]);
    } finally {
      if (tmpBefore === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = tmpBefore;
      taken.close();
      await rm(tmp, { recursive: true, force: true });
    }
    // The gateway that does listen still trusts its own door thread: a message it admits is served.
    const visitor = await sut.visitor('mobile_app');
    expect((await visitor.say('after a failed start')).messageId).toBeTruthy();
  });

  it('limits per client address see the client behind the thread (X-Forwarded-For from a trusted proxy)', async () => {
    const register = (from: string) =>
      sut.http('POST', '/v1/visitors', {
        body: factory.visitor('web_chat'),
        headers: { 'x-forwarded-for': from },
      });
    const from = `203.0.113.${1 + Math.floor(Math.random() * 200)}`;
    for (let i = 0; i < REGISTRATIONS_PER_MINUTE; i++) expect((await register(from)).status).toBe(201);
    expect((await register(from)).status).toBe(429);
    expect((await register(`198.51.100.${1 + Math.floor(Math.random() * 200)}`)).status).toBe(201);
  });
});
