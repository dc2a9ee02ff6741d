import { ChildProcess, spawn } from 'node:child_process';
import { Kafka, logLevel } from 'kafkajs';
import {
  KafkaEnv,
  kafkaEnvSchema,
  leavePredecessors,
  noteOwnMember,
  parseEnv,
  prefixed,
} from '@pupitre/shared';
import { isolatedTestEnv, waitFor } from '@pupitre/shared/testing';

/**
 * A group member in a process of its own (so it can be killed with SIGKILL, leaving its membership
 * behind), with a 30 s session: whatever ends its membership sooner is not the session timing out.
 */
function memberProcess(env: KafkaEnv, group: string, clientId: string, topic: string): ChildProcess {
  const script = `
    const { Kafka, logLevel } = require('kafkajs');
    const kafka = new Kafka({ clientId: ${JSON.stringify(clientId)}, brokers: ${JSON.stringify(env.KAFKA_BROKERS)}, logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: ${JSON.stringify(group)}, sessionTimeout: 30000, heartbeatInterval: 1000 });
    consumer.on(consumer.events.GROUP_JOIN, () => process.stdout.write('joined\\n'));
    (async () => {
      await consumer.connect();
      await consumer.subscribe({ topic: ${JSON.stringify(topic)}, fromBeginning: true });
      await consumer.run({ eachMessage: async () => undefined });
    })();`;
  return spawn(process.execPath, ['-e', script], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

async function joined(child: ChildProcess): Promise<void> {
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  await waitFor(() => out.includes('joined'), { what: 'the member process to join', timeoutMs: 60_000 });
}

async function kill9(child: ChildProcess): Promise<void> {
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
}

describe(leavePredecessors.name, () => {
  const children: ChildProcess[] = [];
  let env: KafkaEnv;
  let kafka: Kafka;

  beforeAll(async () => {
    const test = await isolatedTestEnv('takeover', ['takeover.topic']);
    env = parseEnv(kafkaEnvSchema, test.vars);
    kafka = new Kafka({ clientId: 'takeover-spec', brokers: env.KAFKA_BROKERS, logLevel: logLevel.NOTHING });
  }, 60_000);

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  const members = async (group: string) => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { groups } = await admin.describeGroups([group]);
      return groups[0].members.map((m) => m.clientId);
    } finally {
      await admin.disconnect();
    }
  };

  it("ends the membership a killed run of the same instance left behind, and no other instance's", async () => {
    const group = prefixed(env, 'takeover-group');
    const topic = prefixed(env, 'takeover.topic');
    const dead = memberProcess(env, group, 'routing-host-a', topic);
    const alive = memberProcess(env, group, 'routing-host-b', topic);
    children.push(dead, alive);
    await Promise.all([joined(dead), joined(alive)]);
    await waitFor(async () => (await members(group)).length === 2, { what: 'two members' });
    await kill9(dead);
    // Killed without leaving: its 30 s session keeps it in the group.
    expect((await members(group)).sort()).toEqual(['routing-host-a', 'routing-host-b']);

    const removed = await leavePredecessors(env, 'takeover-group', 'routing-host-a');

    expect(removed).toBe(1);
    expect(await members(group)).not.toContain('routing-host-a');
    await waitFor(async () => (await members(group)).includes('routing-host-b'), {
      what: 'the other instance, still a member once it rejoined',
    });
  }, 120_000);

  it("leaves alone a member of this process's own with the same client id (two instances in one test)", async () => {
    const group = prefixed(env, 'takeover-own');
    const consumer = new Kafka({
      clientId: 'routing-same-host',
      brokers: env.KAFKA_BROKERS,
      logLevel: logLevel.NOTHING,
    }).consumer({ groupId: group, sessionTimeout: 30000, heartbeatInterval: 1000 });
    let memberId = '';
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      memberId = e.payload.memberId;
      noteOwnMember(memberId);
    });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: prefixed(env, 'takeover.topic'), fromBeginning: true });
      await consumer.run({ eachMessage: async () => undefined });
      await waitFor(() => memberId, { what: 'the in-process member to join', timeoutMs: 60_000 });

      expect(await leavePredecessors(env, 'takeover-own', 'routing-same-host')).toBe(0);
      expect(await members(group)).toEqual(['routing-same-host']);
    } finally {
      await consumer.disconnect();
    }
  }, 120_000);

  it('does nothing when no earlier run left a membership', async () => {
    expect(await leavePredecessors(env, 'takeover-empty', 'billing-host-a')).toBe(0);
  });
});
