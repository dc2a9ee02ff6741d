import { randomUUID } from 'node:crypto';
import { RequestEnvelope, requestTopic, ROUTING_EVENTS } from '@pupitre/shared';
import { ServiceHarness, startServiceHarness, waitFor } from '@pupitre/shared/testing';
import { startRouting } from '../src/main';

/**
 * Issue 8: a refused request is recorded with its answer, so that a redelivery of the same request
 * (a consumer that crashed before committing its offset) gets the same refusal, never a late effect.
 * Routing alone; the gateway is played by the test, sending raw requests on the agent's key.
 */
describe('routing: a redelivered refused request gets the same answer', () => {
  let sut: ServiceHarness;

  beforeAll(async () => {
    sut = await startServiceHarness('refusals', startRouting, [ROUTING_EVENTS]);
  });

  afterAll(() => sut?.stop());

  const send = (key: string, op: string, data: unknown, requestId = randomUUID()) => {
    const envelope = {
      requestId,
      op,
      replyKey: 'a-gateway',
      sentAt: new Date().toISOString(),
      correlationId: requestId,
      data,
    } as RequestEnvelope;
    return sut.producer
      .send(requestTopic('routing'), [{ key, value: JSON.stringify(envelope) }])
      .then(() => requestId);
  };
  const connections = async (agentId: string) =>
    (
      await sut.db.query<{ connection_id: string }>(
        'SELECT connection_id FROM routing.agent_connections WHERE agent_id = $1 ORDER BY connection_id',
        [agentId],
      )
    ).rows.map((r) => r.connection_id);

  it('a desk.connect refused for an unknown agent stays refused when redelivered after the agent exists', async () => {
    const agentId = randomUUID();
    const [ghost, real] = ['connection-refused', 'connection-later'];
    const connect = (connectionId: string) => ({
      agentId,
      tokenVersion: 1,
      connectionId,
      gatewayInstance: 'gw',
    });
    // All on the agent's key: one partition, applied in this order.
    const refusedId = await send(agentId, 'desk.connect', connect(ghost));
    await send(agentId, 'agent.create', { agentId, name: 'ann', chatCapacity: 3 });
    await send(agentId, 'desk.connect', connect(ghost), refusedId); // the redelivery
    await send(agentId, 'desk.connect', connect(real));

    await waitFor(async () => (await connections(agentId)).includes(real), { what: 'the later connect' });
    expect(await connections(agentId)).toEqual([real]);
    const stored = await sut.db.query(
      `SELECT reply FROM routing.inbox WHERE message_id = $1 AND consumer = 'requests'`,
      [refusedId],
    );
    expect(stored.rows[0].reply).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
  });

  it('a redelivery is answered the stored refusal, alone and in a batch; a retry with a new request id is applied', async () => {
    const agentId = randomUUID();
    const connect = (connectionId: string, requestId?: string) => ({
      op: 'desk.connect',
      data: { agentId, tokenVersion: 1, connectionId, gatewayInstance: 'gw' },
      requestId,
    });
    const codes = (replies: ({ ok: boolean; error?: { code: string } } | null)[]) =>
      replies.map((r) => (r === null ? 'none' : r.ok ? 'ok' : r.error!.code));
    const refusedId = randomUUID();
    const ask = (requests: Parameters<ServiceHarness['requester']['askAll']>[2]) =>
      sut.requester.askAll('routing', agentId, requests, 30_000);

    expect(codes(await ask([connect('first', refusedId)]))).toEqual(['UNAUTHENTICATED']);
    const created = { op: 'agent.create', data: { agentId, name: 'ann', chatCapacity: 3 } };
    expect(codes(await ask([created]))).toEqual(['ok']);

    // The same request again: alone, then in a batch with a new one.
    expect(codes(await ask([connect('first', refusedId)]))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await ask([connect('first', refusedId), connect('second')]))).toEqual([
      'UNAUTHENTICATED',
      'ok',
    ]);
    expect(await connections(agentId)).toEqual(['second']);
    // A client's retry is a new request: applied afresh.
    expect(codes(await ask([connect('first')]))).toEqual(['ok']);
    expect(await connections(agentId)).toEqual(['first', 'second']);
  });
});
