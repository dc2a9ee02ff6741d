import { Kafka, logLevel } from 'kafkajs';
import type { KafkaEnv } from '../config';
import { kafkaClientConfig, prefixed } from './kafka-options';

/** The part of kafkajs' coordinator (a broker connection) used here. */
interface Coordinator {
  leaveGroup(request: { groupId: string; memberId: string }): Promise<unknown>;
}
interface Cluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  findGroupCoordinator(request: { groupId: string }): Promise<Coordinator>;
}

/**
 * kafkajs builds its broker connections through this private factory; it has no public way to send
 * LeaveGroup for another member (no static membership either: kafkajs #884). kafkajs is pinned at
 * 2.2.4, its last release; `clusterOf` fails loudly if that ever changes.
 */
function clusterOf(kafka: Kafka): Cluster {
  const factory = Object.getOwnPropertySymbols(kafka).find(
    (s) => s.description === 'private:Kafka:createCluster',
  );
  const create = factory && (kafka as unknown as Record<symbol, unknown>)[factory];
  if (typeof create !== 'function')
    throw new Error('kafkajs has no private:Kafka:createCluster (not 2.2.4?)');
  return (create as (o: object) => Cluster)({});
}

/** Member ids this process's own consumers hold: never a predecessor (tests run two instances in one process). */
const ownMembers = new Set<string>();

/** Called by KafkaServer each time one of this process's consumers joins its group. */
export function noteOwnMember(memberId: string): void {
  ownMembers.add(memberId);
}

/**
 * Ends the group memberships a previous life of this instance left behind (killed without leaving:
 * kill -9, a crash, a lost host), so a restarted instance gets its partitions back at once instead of
 * after the dead member's session times out.
 *
 * A member is this instance's predecessor when it carries this instance's client id: ids are unique
 * per instance and stable across its restarts (`<service>-<SERVICE_INSTANCE_ID>`, the gateway's group
 * is its own). It runs once, before the consumer joins; should two live processes share an id by
 * mistake, the one starting removes the other's membership and that one simply rejoins: one extra
 * rebalance, the redelivered messages applied once (inbox). Returns how many members it removed.
 */
export async function leavePredecessors(env: KafkaEnv, groupId: string, clientId: string): Promise<number> {
  const group = prefixed(env, groupId);
  const kafka = new Kafka({ ...kafkaClientConfig(env, `${clientId}-takeover`), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([group]);
    const stale = (groups[0]?.members ?? []).filter(
      (m) => m.clientId === clientId && !ownMembers.has(m.memberId),
    );
    if (stale.length === 0) return 0;
    const cluster = clusterOf(kafka);
    await cluster.connect();
    try {
      const coordinator = await cluster.findGroupCoordinator({ groupId: group });
      for (const member of stale) await coordinator.leaveGroup({ groupId: group, memberId: member.memberId });
    } finally {
      await cluster.disconnect();
    }
    return stale.length;
  } finally {
    await admin.disconnect();
  }
}
