import { randomUUID } from 'node:crypto';
import { ROUTING_EVENTS } from '@pupitre/shared';
import { ServiceHarness, startServiceHarness, TestRequester, waitFor } from '@pupitre/shared/testing';
import { startRouting } from '../src/main';

/**
 * Long enough that a beating instance survives routing standing still for about three seconds (its
 * beats, every TTL_MS / 5, wait unread meanwhile): with 1.5 s, a stall of ~8 s in a loaded full run
 * dropped the live instance's desks (session 27).
 */
const TTL_MS = 4000;

/**
 * Issue 8, "Ghost desks": a gateway instance that dies without stopping (kill -9, host gone) never
 * says its desks are gone. Routing forgets the desks of an instance silent past DESK_INSTANCE_TTL_MS,
 * and tells it so (`known: false`) if it comes back. Routing alone; the test plays two gateways.
 */
describe('routing: desks of silent gateway instances', () => {
  let sut: ServiceHarness;
  let rq: TestRequester;

  beforeAll(async () => {
    sut = await startServiceHarness(
      'instances',
      (vars) => startRouting({ ...vars, DESK_INSTANCE_TTL_MS: String(TTL_MS), SWEEP_INTERVAL_MS: '100' }),
      [ROUTING_EVENTS],
    );
    rq = sut.requester;
  });

  afterAll(() => sut?.stop());

  const connectedAgent = async (gatewayInstance: string) => {
    const agentId = randomUUID();
    const { tokenVersion } = await rq.call('routing', 'agent.create', {
      agentId,
      name: 'ann',
      chatCapacity: 3,
    });
    const view = await rq.call('routing', 'desk.connect', {
      agentId,
      tokenVersion,
      connectionId: randomUUID(),
      gatewayInstance,
    });
    expect(view.status).toBe('available');
    return agentId;
  };
  const statusOf = async (agentId: string) => (await rq.call('routing', 'agent.get', { agentId })).status;

  it('drops the desks of an instance that stopped beating, not of one that beats', async () => {
    const [dead, alive] = [`gw-${randomUUID()}`, `gw-${randomUUID()}`];
    for (const gatewayInstance of [dead, alive])
      await rq.call('routing', 'desk.instance-started', { gatewayInstance });
    const [ghost, present] = [await connectedAgent(dead), await connectedAgent(alive)];

    let beating = true;
    const beats = (async () => {
      while (beating) {
        expect(await rq.call('routing', 'desk.instance-alive', { gatewayInstance: alive })).toEqual({
          known: true,
        });
        await new Promise((r) => setTimeout(r, TTL_MS / 5));
      }
    })();
    try {
      await waitFor(async () => (await statusOf(ghost)) === 'offline', {
        what: 'the silent instance’s agent offline',
        timeoutMs: 20_000,
      });
      expect(await statusOf(present)).toBe('available');
    } finally {
      beating = false;
      await beats;
    }

    // The dead instance comes back (it was only paused): routing says it had forgotten it.
    expect(await rq.call('routing', 'desk.instance-alive', { gatewayInstance: dead })).toEqual({
      known: false,
    });
    expect(await rq.call('routing', 'desk.instance-alive', { gatewayInstance: dead })).toEqual({
      known: true,
    });
  }, 60_000);
});
