import { clientAddress, parseTrustProxy } from './trust-proxy';

describe('TRUST_PROXY', () => {
  const peer = '127.0.0.1';

  it('unset, empty or false: X-Forwarded-For is ignored, the client is the peer', () => {
    for (const v of [undefined, '', 'false']) {
      expect(clientAddress(peer, '203.0.113.9', parseTrustProxy(v))).toBe(peer);
    }
  });

  it('a spoofed X-Forwarded-For gives a direct client no other identity', () => {
    const trust = parseTrustProxy(undefined);
    expect(clientAddress('198.51.100.7', '1.1.1.1, 2.2.2.2', trust)).toBe('198.51.100.7');
  });

  it('a hop count trusts that many nearest hops', () => {
    const header = '203.0.113.1, 10.0.0.5, 10.0.0.6';
    expect(clientAddress(peer, header, parseTrustProxy('1'))).toBe('10.0.0.6');
    expect(clientAddress(peer, header, parseTrustProxy('2'))).toBe('10.0.0.5');
    expect(clientAddress(peer, header, parseTrustProxy('3'))).toBe('203.0.113.1');
    expect(clientAddress(peer, header, parseTrustProxy('9'))).toBe('203.0.113.1');
  });

  it('subnets: the first untrusted hop from the right is the client, whatever the client put on the left', () => {
    const trust = parseTrustProxy('loopback, 10.0.0.0/8');
    expect(clientAddress(peer, '6.6.6.6, 203.0.113.1, 10.1.2.3', trust)).toBe('203.0.113.1');
    expect(clientAddress('198.51.100.7', '203.0.113.1', trust)).toBe('198.51.100.7');
  });

  it('true trusts every hop: the leftmost address', () => {
    expect(clientAddress(peer, '203.0.113.1, 10.0.0.5', parseTrustProxy('true'))).toBe('203.0.113.1');
  });

  it('IPv4 peers on a dual-stack socket match IPv4 subnets', () => {
    const trust = parseTrustProxy('loopback');
    expect(clientAddress('::ffff:127.0.0.1', '203.0.113.1', trust)).toBe('203.0.113.1');
    expect(clientAddress('::1', '2001:db8::1', trust)).toBe('2001:db8::1');
  });

  it('several X-Forwarded-For headers read as one list', () => {
    expect(clientAddress(peer, ['203.0.113.1', '10.0.0.5'], parseTrustProxy('2'))).toBe('203.0.113.1');
  });

  it('a garbage hop is never trusted', () => {
    const trust = parseTrustProxy('loopback');
    expect(clientAddress(peer, '203.0.113.1, not-an-ip', trust)).toBe('not-an-ip');
  });

  it('refuses entries that are not addresses, subnets or names', () => {
    for (const bad of ['proxy.example', '10.0.0.0/33', '10.0.0.0/8/1', 'loopback,', 'yes']) {
      expect(() => parseTrustProxy(bad)).toThrow(/is not an address/);
    }
  });
});
