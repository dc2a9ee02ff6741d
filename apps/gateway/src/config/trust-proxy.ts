import { BlockList, isIP } from 'node:net';

/**
 * Express's `trust proxy` function: is the address `addr`, `hop` steps from this server (0: the
 * socket's peer), a proxy whose X-Forwarded-For may be believed?
 */
export type TrustProxy = (addr: string, hop: number) => boolean;

/** Express's names for address ranges (proxy-addr). */
const NAMED: Record<string, string[]> = {
  loopback: ['127.0.0.1/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/** `::ffff:10.1.2.3` (an IPv4 peer on a dual-stack socket) is 10.1.2.3. */
export function normalizeAddress(addr: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
  return mapped ? mapped[1] : addr;
}

/**
 * TRUST_PROXY with Express's `trust proxy` semantics: unset, empty or `false` trusts no proxy (the
 * client is the socket's peer, X-Forwarded-For is ignored); `true` trusts every hop (only behind a
 * proxy that overwrites the header); a number N trusts the N nearest hops; otherwise a comma-separated
 * list of addresses and subnets (CIDR), or the names loopback, linklocal, uniquelocal.
 * Throws on anything else, naming the bad entry.
 */
export function parseTrustProxy(value: string | undefined): TrustProxy {
  const raw = (value ?? '').trim();
  if (raw === '' || raw === 'false') return () => false;
  if (raw === 'true') return () => true;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    return (_addr, hop) => hop < hops;
  }
  const list = new BlockList();
  for (const entry of raw.split(',').map((e) => e.trim())) {
    for (const item of NAMED[entry] ?? [entry]) addEntry(list, item);
  }
  return (addr) => {
    const a = normalizeAddress(addr);
    const family = isIP(a);
    return family !== 0 && list.check(a, family === 4 ? 'ipv4' : 'ipv6');
  };
}

function addEntry(list: BlockList, entry: string): void {
  const [address, prefix, extra] = entry.split('/');
  const family = isIP(address);
  const bits = prefix === undefined ? undefined : Number(prefix);
  const max = family === 4 ? 32 : 128;
  if (
    family === 0 ||
    extra !== undefined ||
    (bits !== undefined && !(Number.isInteger(bits) && bits >= 0 && bits <= max))
  )
    throw new Error(`"${entry}" is not an address, a subnet (CIDR), loopback, linklocal or uniquelocal`);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (bits === undefined) list.addAddress(address, type);
  else list.addSubnet(address, bits, type);
}

/**
 * The client's address as Express's `req.ip` finds it (proxy-addr): walk from the socket's peer back
 * through X-Forwarded-For (rightmost first) while each hop is trusted; the first untrusted one is the
 * client (or the leftmost, when every hop is trusted).
 */
export function clientAddress(
  peer: string,
  forwardedFor: string | string[] | undefined,
  trust: TrustProxy,
): string {
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? '');
  const forwarded = header
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '')
    .reverse();
  const chain = [normalizeAddress(peer), ...forwarded.map(normalizeAddress)];
  for (let hop = 0; hop < chain.length - 1; hop++) {
    if (!trust(chain[hop], hop)) return chain[hop];
  }
  return chain[chain.length - 1];
}
