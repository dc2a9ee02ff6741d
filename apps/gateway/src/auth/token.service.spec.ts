import { JwtService } from '@nestjs/jwt';
import { DomainError } from '@pupitre/shared';
import { bearerToken, TokenService } from './token.service';

const visitorId = '0b6f4a3e-8d0f-4c55-9d7a-1f4b7a2e9c10';
const agentId = '5e1c2b9a-3f47-4e1d-8a6b-2c9d0e7f1a33';

function expectUnauthenticated(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe('UNAUTHENTICATED');
    return;
  }
  throw new Error('expected UNAUTHENTICATED');
}

describe(TokenService.name, () => {
  const jwt = new JwtService({ secret: 'test-secret', signOptions: { algorithm: 'HS256' } });
  const lifetimes = { AGENT_TOKEN_TTL_MS: 10 * 3_600_000, VISITOR_TOKEN_TTL_MS: 8 * 86_400_000 };
  const sut = new TokenService(jwt, lifetimes);
  const later = (ms: number) => new Date(Date.now() + ms);

  it('a visitor token names the visitor and their channel', () => {
    expect(sut.verifyVisitor(sut.signVisitor(visitorId, 'mobile_app'))).toEqual({
      visitorId,
      channel: 'mobile_app',
    });
  });

  it('an agent token names the agent and its version', () => {
    expect(sut.verifyAgent(sut.signAgent(agentId, 3))).toEqual({ agentId, tokenVersion: 3 });
  });

  it('an agent token is refused where a visitor token is expected', () => {
    expectUnauthenticated(() => sut.verifyVisitor(sut.signAgent(agentId, 1)));
  });

  it('a visitor token is refused where an agent token is expected', () => {
    expectUnauthenticated(() => sut.verifyAgent(sut.signVisitor(visitorId, 'web_chat')));
  });

  it('a token signed with another secret is refused', () => {
    const other = new TokenService(new JwtService({ secret: 'other-secret' }), lifetimes);
    expectUnauthenticated(() => sut.verifyVisitor(other.signVisitor(visitorId, 'web_chat')));
  });

  it('an unsigned token (alg none) is refused', () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const body = Buffer.from(
      JSON.stringify({ sub: visitorId, role: 'visitor', channel: 'web_chat' }),
    ).toString('base64url');
    expectUnauthenticated(() => sut.verifyVisitor(`${header}.${body}.`));
  });

  it('a well-signed token without the expected claims is refused', () => {
    expectUnauthenticated(() => sut.verifyVisitor(jwt.sign({ sub: visitorId, role: 'visitor' })));
    expectUnauthenticated(() =>
      sut.verifyVisitor(
        jwt.sign({ sub: visitorId, role: 'visitor', channel: 'web_chat' }, { noTimestamp: true }),
      ),
    );
    expectUnauthenticated(() => sut.verifyAgent(jwt.sign({ sub: 'not-a-uuid', role: 'agent', ver: 1 })));
  });

  it('an agent token expires after AGENT_TOKEN_TTL_MS', () => {
    const token = sut.signAgent(agentId, 1);
    expect(sut.verifyAgent(token, later(10 * 3_600_000 - 5000)).agentId).toBe(agentId);
    expectUnauthenticated(() => sut.verifyAgent(token, later(10 * 3_600_000 + 1000)));
    // Still readable to find the sessions it opened, never to authenticate.
    expect(sut.agentOfAnyAge(token)).toEqual({ agentId, tokenVersion: 1 });
  });

  it('a visitor token expires after VISITOR_TOKEN_TTL_MS, and is renewed when used an hour or more after issue', () => {
    const token = sut.signVisitor(visitorId, 'web_chat');
    expect(sut.authenticateVisitor(token).renewed).toBeNull();
    const used = later(7 * 86_400_000);
    const { renewed } = sut.authenticateVisitor(token, used);
    expect(renewed).not.toBeNull();
    // The renewed token is good for VISITOR_TOKEN_TTL_MS after that use, the old one is not.
    expectUnauthenticated(() => sut.verifyVisitor(token, later(8 * 86_400_000 + 1000)));
    expect(sut.verifyVisitor(renewed, later(14 * 86_400_000))).toEqual({ visitorId, channel: 'web_chat' });
  });

  it('a token issued before expiries existed (no exp) lasts the TTL from its iat', () => {
    const legacy = jwt.sign({ sub: agentId, role: 'agent', ver: 1 });
    expect(sut.verifyAgent(legacy).agentId).toBe(agentId);
    expectUnauthenticated(() => sut.verifyAgent(legacy, later(10 * 3_600_000 + 1000)));
    const legacyVisitor = jwt.sign({ sub: visitorId, role: 'visitor', channel: 'web_chat' });
    expect(sut.verifyVisitor(legacyVisitor, later(7 * 86_400_000))).toEqual({
      visitorId,
      channel: 'web_chat',
    });
    expectUnauthenticated(() => sut.verifyVisitor(legacyVisitor, later(8 * 86_400_000 + 1000)));
  });

  it.each([undefined, null, '', 42, 'garbage', {}])('refuses %p', (token) => {
    expectUnauthenticated(() => sut.verifyVisitor(token));
    expectUnauthenticated(() => sut.verifyAgent(token));
  });
});

describe(bearerToken.name, () => {
  it.each([
    ['Bearer abc.def', 'abc.def'],
    ['bearer abc', 'abc'],
    ['Bearer  abc ', 'abc'],
  ])('%p → %p', (header, token) => expect(bearerToken(header)).toBe(token));

  it.each([undefined, '', 'Basic abc', 'Bearer', 'Bearer a b', ['Bearer a']])('%p → null', (header) => {
    expect(bearerToken(header)).toBeNull();
  });
});
