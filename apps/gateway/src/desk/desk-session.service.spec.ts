import { DomainError } from '@pupitre/shared';
import type { TokenService } from '../auth';
import type { DeskViews } from '../fanout';
import type { RequestClient } from '../kafka';
import { NotSent, Unavailable } from '../http';
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
const sutWith = (client: RequestClient, ttlMs = 30_000) =>
  new DeskSessionService(tokens, client, registration as unknown as InstanceRegistration, {} as DeskViews, {
    GATEWAY_INSTANCE_ID: 'gw-1',
    DESK_INSTANCE_TTL_MS: ttlMs,
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

  it('withdraws nothing that was refused before being sent (the in-flight bound)', async () => {
    const { calls, client } = routing(() => {
      throw new NotSent('routing is overloaded; try again later');
    });
    const sut = sutWith(client);

    await expect(sut.open('token', 'socket-1')).rejects.toMatchObject({ code: 'UNAVAILABLE' });

    await new Promise((r) => setImmediate(r));
    expect(disconnects(calls)).toEqual([]);
    expect(sut.pendingDisconnects).toBe(0);
  });

  it('keeps the withdrawals of many failed handshakes in one list, retried together until answered', async () => {
    let down = true;
    const calls: Call[] = [];
    const client = {
      request: (_s: string, op: string, data: Record<string, unknown>) => {
        calls.push({ op, data });
        return down ? Promise.reject(new Unavailable('routing did not answer in time')) : Promise.resolve({});
      },
    } as unknown as RequestClient;
    const sut = sutWith(client);

    for (let i = 0; i < 5; i++)
      await expect(sut.open('token', `socket-${i}`)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await sut.close(agentId, 'socket-0'); // the same connection is kept once
    await until(() => disconnects(calls).length >= 15); // retried, each kept once

    expect(sut.pendingDisconnects).toBe(5);
    down = false;
    await until(() => sut.pendingDisconnects === 0);
    const sent = disconnects(calls).length;
    await new Promise((r) => setTimeout(r, 600));
    expect(disconnects(calls)).toHaveLength(sent); // nothing left to retry
  });

  it('gives a withdrawal up after DESK_INSTANCE_TTL_MS: routing has expired those desks by then', async () => {
    const calls: Call[] = [];
    const client = {
      request: (_s: string, op: string, data: Record<string, unknown>) => {
        calls.push({ op, data });
        return Promise.reject(new Unavailable('routing did not answer in time'));
      },
    } as unknown as RequestClient;
    const sut = sutWith(client, 500);

    await expect(sut.open('token', 'socket-1')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(sut.pendingDisconnects).toBe(1);

    await until(() => sut.pendingDisconnects === 0);
    const sent = disconnects(calls).length;
    expect(sent).toBeGreaterThan(1);
    await new Promise((r) => setTimeout(r, 1000));
    expect(disconnects(calls)).toHaveLength(sent);
  });
});

/** Resolves once `ok()` holds, checked every 10 ms. */
const until = (ok: () => boolean) =>
  new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (!ok()) return;
      clearInterval(check);
      resolve();
    }, 10);
  });
