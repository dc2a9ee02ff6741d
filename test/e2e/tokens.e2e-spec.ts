import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { waitFor } from '@pupitre/shared/testing';
import { expectError } from './support/expectations';
import { ConnectionRefused } from './support/sockets';
import { ConfigError } from '@pupitre/shared';
import { startGateway } from '../../apps/gateway/src/main';
import { JWT_SECRET, startSystem, System } from './support/system';

/** Token expiry, refresh and rotation (CONTRACT's Additions; the refresh path is in docs/contract.md). */
describe('tokens (e2e)', () => {
  let sut: System;
  const jwt = new JwtService({ secret: JWT_SECRET, signOptions: { algorithm: 'HS256' } });
  const past = () => Math.floor(Date.now() / 1000) - 3600;

  beforeAll(async () => {
    sut = await startSystem();
  });
  afterEach(() => sut.reset());
  afterAll(() => sut?.stop());

  it('rotating an agent token ends the desks opened with the old one at once; the new one stays', async () => {
    const { agent, desk } = await sut.agentAtDesk();
    const second = await sut.desk(agent.token);

    const token = await sut.admin.rotateToken(agent.id);
    await waitFor(() => !desk.connected && !second.connected, { what: 'both old desks disconnected' });
    await sut.admin.waitStatus(agent.id, 'offline');

    const fresh = await sut.desk(token);
    await sut.admin.waitStatus(agent.id, 'available');
    await sut.admin.rotateToken(agent.id);
    await waitFor(() => !fresh.connected, { what: 'the desk of the rotated token disconnected' });
  });

  it('tokens carry an expiry', async () => {
    const agent = await sut.admin.createAgent();
    const visitor = await sut.visitor('mobile_app');
    for (const token of [agent.token, visitor.token]) {
      expect(jwt.decode(token)).toMatchObject({ exp: expect.any(Number), iat: expect.any(Number) });
    }
    const agentClaims = jwt.decode(agent.token) as { exp: number; iat: number };
    expect(agentClaims.exp - agentClaims.iat).toBeGreaterThanOrEqual(8 * 3600); // about a working day
    const visitorClaims = jwt.decode(visitor.token) as { exp: number; iat: number };
    expect(visitorClaims.exp - visitorClaims.iat).toBeGreaterThan(7 * 24 * 3600); // past R11's 7 days
  });

  it('an expired token is refused: desk, SDK API, visitor socket and refresh', async () => {
    const agent = await sut.admin.createAgent();
    const visitor = await sut.visitor('web_chat');
    const { sub: agentId, ver } = jwt.decode(agent.token) as { sub: string; ver: number };
    const expiredAgent = jwt.sign({ sub: agentId, role: 'agent', ver, iat: past() - 60, exp: past() });
    const expiredVisitor = jwt.sign({
      sub: visitor.id,
      role: 'visitor',
      channel: 'web_chat',
      iat: past() - 60,
      exp: past(),
    });

    const refused = await sut.desk(expiredAgent).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ConnectionRefused);
    expect(refused).toMatchObject({ message: 'UNAUTHENTICATED' });
    await expect(sut.visitorSocket(expiredVisitor)).rejects.toMatchObject({ message: 'UNAUTHENTICATED' });
    expectError(
      await sut.http('GET', '/v1/visitor/conversations', { token: expiredVisitor }),
      401,
      'UNAUTHENTICATED',
    );
    expectError(
      await sut.http('POST', '/v1/visitor/token', { token: expiredVisitor }),
      401,
      'UNAUTHENTICATED',
    );
    expectError(await sut.http('POST', '/v1/agent/token', { token: expiredAgent }), 401, 'UNAUTHENTICATED');
  });

  it('a visitor refreshes their token with POST /v1/visitor/token', async () => {
    const visitor = await sut.visitor('mobile_app');
    const res = await sut.http<{ token: string }>('POST', '/v1/visitor/token', { token: visitor.token });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ token: expect.stringMatching(/\S/) });
    expect(jwt.decode(res.body.token)).toMatchObject({
      sub: visitor.id,
      role: 'visitor',
      channel: 'mobile_app',
    });
    const list = await sut.http('GET', '/v1/visitor/conversations', { token: res.body.token });
    expect(list.status).toBe(200);
    // An agent token is not a visitor token.
    const agent = await sut.admin.createAgent();
    expectError(await sut.http('POST', '/v1/visitor/token', { token: agent.token }), 401, 'UNAUTHENTICATED');
  });

  it('a visitor token used an hour after it was issued comes back renewed (sliding)', async () => {
    const visitor = await sut.visitor('web_chat');
    const old = jwt.sign({
      sub: visitor.id,
      role: 'visitor',
      channel: 'web_chat',
      iat: past() - 60,
      exp: past() + 7 * 24 * 3600,
    });
    const res = await sut.http('GET', '/v1/visitor/conversations', { token: old });
    expect(res.status).toBe(200);
    const renewed = res.headers.get('x-visitor-token');
    expect(renewed).toEqual(expect.stringMatching(/\S/));
    expect((jwt.decode(renewed!) as { exp: number }).exp).toBeGreaterThan(past() + 7 * 24 * 3600);
    // A fresh token is not renewed on every call.
    expect(
      (await sut.http('GET', '/v1/visitor/conversations', { token: visitor.token })).headers.get(
        'x-visitor-token',
      ),
    ).toBeNull();
  });

  it('an agent refreshes their desk token with POST /v1/agent/token; a rotated one cannot be refreshed', async () => {
    const agent = await sut.admin.createAgent();
    const res = await sut.http<{ token: string }>('POST', '/v1/agent/token', { token: agent.token });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ token: expect.stringMatching(/\S/) });
    const desk = await sut.desk(res.body.token);
    expect(desk.state.agent.id).toBe(agent.id);

    await sut.admin.rotateToken(agent.id);
    expectError(await sut.http('POST', '/v1/agent/token', { token: res.body.token }), 401, 'UNAUTHENTICATED');
    const visitor = await sut.visitor('web_chat');
    expectError(await sut.http('POST', '/v1/agent/token', { token: visitor.token }), 401, 'UNAUTHENTICATED');
    expectError(await sut.http('POST', '/v1/agent/token', { token: randomUUID() }), 401, 'UNAUTHENTICATED');
  });

  it('the gateway refuses to boot without its secrets unless NODE_ENV is development or test', async () => {
    const env = { ...process.env, PORT: '0', ADMIN_TOKEN: '', JWT_SECRET: '' };
    for (const NODE_ENV of [undefined, 'production']) {
      const booting = startGateway({ ...env, NODE_ENV });
      await expect(booting).rejects.toBeInstanceOf(ConfigError);
      await expect(booting).rejects.toThrow(/ADMIN_TOKEN: required[\s\S]*JWT_SECRET: required/);
    }
  });
});
