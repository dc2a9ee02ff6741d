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

/** The part of kafkajs' coordinator that commits offsets for a group with no members. */
interface OffsetCommitter {
  offsetCommit(request: {
    groupId: string;
    groupGenerationId: number;
    memberId: string;
    retentionTime: number;
    topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
  }): Promise<unknown>;
}

/**
 * Gives group `to` the offsets group `from` committed on `topics`, for each topic `to` has committed
 * nothing on yet: a topic moved out of the service's group to a consumer and group of its own
 * (boot-service.ts, `separateConsumers`) goes on from where the service's group was, rather than
 * from the topic's beginning (everything it keeps read again) or its end (what came during the
 * upgrade never read). Run before the consumer of `to` joins. The commit is the one an admin tool
 * makes (generation -1, no member): the broker takes it only while `to` has no members, so of
 * several instances starting at once, one adopts and the others find the group running (the broker's
 * refusal is caught) or find its offsets. Returns the topics adopted.
 */
export async function adoptOffsets(
  env: KafkaEnv,
  from: string,
  to: string,
  topics: readonly string[],
  clientId: string,
): Promise<string[]> {
  const [source, target] = [prefixed(env, from), prefixed(env, to)];
  const kafka = new Kafka({ ...kafkaClientConfig(env, `${clientId}-adopt`), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const moves: { topic: string; partitions: { partition: number; offset: string }[] }[] = [];
    for (const topic of topics.map((t) => prefixed(env, t))) {
      const [own] = await admin.fetchOffsets({ groupId: target, topics: [topic] });
      if ((own?.partitions ?? []).some((p) => p.offset !== '-1')) continue;
      const [theirs] = await admin.fetchOffsets({ groupId: source, topics: [topic] });
      const partitions = (theirs?.partitions ?? [])
        .filter((p) => p.offset !== '-1')
        .map(({ partition, offset }) => ({ partition, offset }));
      if (partitions.length > 0) moves.push({ topic, partitions });
    }
    if (moves.length === 0) return [];
    const cluster = clusterOf(kafka);
    await cluster.connect();
    try {
      const coordinator = (await cluster.findGroupCoordinator({ groupId: target })) as Coordinator &
        OffsetCommitter;
      await coordinator.offsetCommit({
        groupId: target,
        groupGenerationId: -1,
        memberId: '',
        retentionTime: -1,
        topics: moves,
      });
    } finally {
      await cluster.disconnect();
    }
    return moves.map((m) => m.topic);
  } finally {
    await admin.disconnect();
  }
}
