import { DomainError } from '@pupitre/shared';
import type { TokenService } from '../auth';
import type { DeskViews } from '../fanout';
import type { RequestClient } from '../kafka';
import { Unavailable } from '../http';
import { DeskSessionService } from './desk-session.service';
import type { InstanceRegistration } from './instance-registration.service';

type Call = { op: string; data: Record<string, unknown>; key?: string };

/** Routing played by a list of answers, one per request, in order; every request is recorded. */
function routing(...answers: ((c: Call) => unknown)[]) {
  const calls: Call[] = [];
  const client = {
    request: (_service: string, op: string, data: Record<string, unknown>, o?: { key?: string }) => {
      const call = { op, data, key: o?.key };
      calls.push(call);
      const answer = answers.shift() ?? (() => ({}));
      return new Promise((resolve, reject) => {
        try {
          resolve(answer(call));
        } catch (err) {
          reject(err);
        }
      });
    },
  };
  return { calls, client: client as unknown as RequestClient };
}

const agentId = '5b0e6f0e-8a55-4f43-a8a2-6b7d3c0f4d11';
const tokens = { verifyAgent: () => ({ agentId, tokenVersion: 1 }) } as unknown as TokenService;
const registration = { whenRegistered: async () => undefined, stopping: false };
const sutWith = (client: RequestClient) =>
  new DeskSessionService(tokens, client, registration as unknown as InstanceRegistration, {} as DeskViews, {
    GATEWAY_INSTANCE_ID: 'gw-1',
  });
const timedOut = () => {
  throw new Unavailable('routing did not answer in time');
};
const disconnects = (calls: Call[]) => calls.filter((c) => c.op === 'desk.disconnect');

/** Issue 8, "Ghost desks": a desk.connect the gateway gave up on may still be recorded by routing. */
describe(DeskSessionService.name, () => {
  it('withdraws a connect routing did not answer in time, on the agent’s partition', async () => {
    const { calls, client } = routing(timedOut);
    const sut = sutWith(client);

    await expect(sut.open('token', 'socket-1')).rejects.toMatchObject({ code: 'UNAVAILABLE' });

    await new Promise((r) => setImmediate(r));
    expect(disconnects(calls)).toEqual([
      { op: 'desk.disconnect', data: { agentId, connectionId: 'socket-1' }, key: agentId },
    ]);
  });

  it('sends the withdrawal again until routing answers it', async () => {
    const { calls, client } = routing(timedOut, timedOut, timedOut, () => ({}));
    const sut = sutWith(client);

    await expect(sut.open('token', 'socket-1')).rejects.toMatchObject({ code: 'UNAVAILABLE' });

    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (disconnects(calls).length < 3) return;
        clearInterval(check);
        resolve();
      }, 10);
    });
    expect(disconnects(calls).every((c) => c.data.connectionId === 'socket-1')).toBe(true);
  });

  it('withdraws nothing routing refused: it recorded nothing', async () => {
    const { calls, client } = routing(() => {
      throw new DomainError('UNAUTHENTICATED', 'this desk token has been replaced');
    });
    const sut = sutWith(client);

    await expect(sut.open('token', 'socket-1')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });

    await new Promise((r) => setImmediate(r));
    expect(disconnects(calls)).toEqual([]);
  });
});
