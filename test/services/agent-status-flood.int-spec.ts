import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { kafkaEnvSchema, parseEnv, ROUTING_EVENTS } from '@pupitre/shared';
import { isolatedTestEnv, TestRequester } from '@pupitre/shared/testing';
import { AssignmentService, ChannelLocks } from '../../apps/routing/src/assignment';
import { startRouting } from '../../apps/routing/src/main';

const FLOOD = 200;

/**
 * One agent flooding `agent.status` (issue 8, Floods): a status the agent already has changes
 * nothing, so routing must not take the channel locks (which every assignment waits for) nor start a
 * matching round for it. Locks and rounds are counted on routing's own ChannelLocks and
 * AssignmentService.
 */
describe('routing: agent.status flood', () => {
  let app: INestApplication;
  let rq: TestRequester;

  beforeAll(async () => {
    const env = await isolatedTestEnv('status');
    const vars = { ...process.env, ...env.vars };
    app = (await startRouting(vars)).app;
    rq = new TestRequester(parseEnv(kafkaEnvSchema, vars));
    await rq.start([ROUTING_EVENTS]);
  }, 120_000);

  afterAll(async () => {
    jest.restoreAllMocks();
    await rq?.stop();
    await app?.close();
  });

  it('a status the agent already has takes no channel lock and starts no matching round; a real change still does', async () => {
    const agentId = randomUUID();
    const { tokenVersion } = await rq.call('routing', 'agent.create', {
      agentId,
      name: 'Flood',
      chatCapacity: 3,
    });
    await rq.call('routing', 'desk.connect', {
      agentId,
      tokenVersion,
      connectionId: randomUUID(),
      gatewayInstance: 'test',
    });
    const locks = jest.spyOn(app.get(ChannelLocks), 'lockAll'); // presence's; sweeps lock one channel
    const rounds = jest.spyOn(app.get(AssignmentService), 'kick');

    const flood = await Promise.all(
      Array.from({ length: FLOOD }, () =>
        rq.call('routing', 'agent.set-status', { agentId, status: 'available' }),
      ),
    );

    expect(flood.every((a) => a.status === 'available')).toBe(true);
    expect(locks).not.toHaveBeenCalled();
    expect(rounds).not.toHaveBeenCalled();

    // A change is still a change: under every channel's lock, and back to available starts a round.
    expect(await rq.call('routing', 'agent.set-status', { agentId, status: 'away' })).toMatchObject({
      status: 'away',
    });
    const awayLocks = locks.mock.calls.length;
    expect(awayLocks).toBeGreaterThan(0);
    await Promise.all(
      Array.from({ length: FLOOD }, () =>
        rq.call('routing', 'agent.set-status', { agentId, status: 'away' }),
      ),
    );
    expect(locks).toHaveBeenCalledTimes(awayLocks);
    expect(await rq.call('routing', 'agent.set-status', { agentId, status: 'available' })).toMatchObject({
      status: 'available',
    });
    expect(rounds).toHaveBeenCalledTimes(1);
  });
});
