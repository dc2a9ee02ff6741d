import type { DataSource } from 'typeorm';
import type { AgentsRepository } from '../agents';
import type { ChannelLocks } from '../assignment';
import type { GatewayInstancesRepository } from './gateway-instances.repository';
import { InstanceExpiry } from './instance-expiry.service';

const TTL_MS = 30_000;

/** An expiry over a database where one instance is always silent: what it expires, sweep by sweep. */
function expiryWithASilentInstance() {
  const instances = {
    anySilentSince: async () => true,
    expireSilentSince: async () => [{ gatewayInstance: 'gw-1', seenAt: new Date(0) }],
  } as unknown as GatewayInstancesRepository;
  const dataSource = {
    manager: {},
    transaction: <T>(work: (tx: unknown) => Promise<T>) => work({}),
  } as unknown as DataSource;
  const agents = { removeConnectionsOf: async () => [] } as unknown as AgentsRepository;
  const locks = { lockAll: async () => undefined } as unknown as ChannelLocks;
  const expiry = new InstanceExpiry(dataSource, instances, agents, locks, { DESK_INSTANCE_TTL_MS: TTL_MS });
  jest.spyOn(expiry['logger'], 'warn').mockImplementation(() => undefined);
  return (atMs: number) => expiry.expireSilent(new Date(atMs));
}

/** Sweeps every 500 ms from `fromMs` to `toMs`: the instances each one expired. */
async function sweeps(sweep: (atMs: number) => Promise<string[]>, fromMs: number, toMs: number) {
  const expired: { at: number; instances: string[] }[] = [];
  for (let at = fromMs; at <= toMs; at += 500) {
    const instances = await sweep(at);
    if (instances.length > 0) expired.push({ at, instances });
  }
  return expired;
}

describe('InstanceExpiry', () => {
  it('expires nothing until routing has listened for the TTL since it started', async () => {
    const sweep = expiryWithASilentInstance();
    const expired = await sweeps(sweep, 0, TTL_MS);
    expect(expired).toEqual([{ at: TTL_MS, instances: ['gw-1'] }]);
  });

  it('after a pause longer than half the TTL, expires nothing for a TTL: the beats of the pause may wait unread', async () => {
    const sweep = expiryWithASilentInstance();
    await sweeps(sweep, 0, TTL_MS);
    const back = TTL_MS + TTL_MS / 2 + 1000;
    const expired = await sweeps(sweep, back, back + TTL_MS);
    expect(expired.map((e) => e.at)).toEqual([back + TTL_MS]);
  });

  it('a late sweep within half the TTL is no pause', async () => {
    const sweep = expiryWithASilentInstance();
    await sweeps(sweep, 0, TTL_MS);
    expect(await sweep(TTL_MS + TTL_MS / 2)).toEqual(['gw-1']);
  });
});
