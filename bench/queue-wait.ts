/**
 * bench/queue-wait — how far off the expected wait (`queue.updated` `estimatedWaitSeconds`) is, over a
 * run of N conversations on one channel through the whole system. Prints figures; not a test.
 *
 *   npm run bench:queue-wait -- --conversations 200 --agents 3 --arrival-ms 700 --handle-ms 1800
 *
 * Conditions: `--agents` agents at their desks with one chat slot each, so a queue forms; web_chat
 * visitors arrive at random (exponential gaps, mean `--arrival-ms`), each with a `/visitor` socket
 * open before their first message; an agent closes each conversation after an exponential handling
 * time (mean `--handle-ms`). For each conversation that waited: the estimate it was told when it
 * started waiting (its first `queue.updated`) against the wait it then had (until its agent's desk
 * heard `conversation.assigned`), and the same for every later `queue.updated` (the remaining wait).
 *
 * Like bench/flow, it makes and removes what it needs: a broker (KAFKA_BROKERS, else
 * scripts/kafka/kafka.sh), a database pupitre_bench_<id>, topics under bench.<id>.; the four services
 * run from dist/ (`npm run build` first, done by the npm script).
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { io } from 'socket.io-client';
import { mapLimit } from './support/http';
import { sleep, waitUntil } from './support/open-loop';
import { num, table } from './support/stats';
import { loadavg, withSystem } from './support/system';
import { positiveOption as option, say } from './support/cli';

const exponential = (mean: number) => -mean * Math.log(1 - Math.random());

/** A kept-alive connection the server just closed (ECONNRESET): both calls here are safe to repeat. */
async function retrying<T>(call: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (attempt >= attempts || !/ECONNRESET|socket hang up|EPIPE/.test(String(err))) throw err;
      await sleep(100 * attempt);
    }
  }
}

interface Told {
  at: number;
  position: number;
  estimate?: number;
}
interface Tracked {
  conversationId?: string;
  postedAt: number;
  told: Told[];
  assignedAt?: number;
}

function errorsTable(pairs: { estimate: number; actual: number }[]): string[] {
  const errs = pairs.map((p) => p.estimate - p.actual);
  const abs = errs.map(Math.abs).sort((a, b) => a - b);
  const at = (q: number) => abs[Math.min(abs.length - 1, Math.max(0, Math.ceil(q * abs.length) - 1))];
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const actualMean = mean(pairs.map((p) => p.actual));
  const within = (f: number) =>
    (100 * pairs.filter((p) => Math.abs(p.estimate - p.actual) <= f * Math.max(p.actual, 1)).length) /
    pairs.length;
  return [
    String(pairs.length),
    num(actualMean, 1),
    num(mean(pairs.map((p) => p.estimate)), 1),
    num(mean(errs), 1),
    num(mean(abs), 1),
    num(at(0.5), 1),
    num(at(0.9), 1),
    num((100 * mean(abs)) / actualMean, 0),
    num(within(0.5), 0),
  ];
}

async function main(): Promise<void> {
  const conversations = option('conversations', 200);
  const agentCount = option('agents', 3);
  const arrivalMs = option('arrival-ms', 700);
  const handleMs = option('handle-ms', 1800);
  await withSystem(
    `${conversations} conversations, ${agentCount} agents × 1 chat slot, arrivals every ` +
      `${arrivalMs} ms, handling ${handleMs} ms (means)`,
    async ({ port, http, adminToken, sockets }) => {
      /** When a desk heard each conversation assigned (it may come before the visitor's POST answer). */
      const assignedAt = new Map<string, number>();
      const tracked: Tracked[] = [];
      const agents = await mapLimit(Array.from({ length: agentCount }), 3, (_, i) =>
        http.expect<{ token: string }>(
          201,
          'POST',
          '/v1/admin/agents',
          { name: `queue agent ${i}`, chatCapacity: 1 },
          adminToken,
        ),
      );
      let closed = 0;
      for (const agent of agents) {
        const desk = io(`http://127.0.0.1:${port}/desk`, {
          auth: { token: agent.token },
          transports: ['websocket'],
        });
        sockets.push(desk);
        desk.on('conversation.assigned', (p: { conversation: { id: string } }) => {
          if (!assignedAt.has(p.conversation.id)) assignedAt.set(p.conversation.id, performance.now());
          setTimeout(() => {
            void desk
              .timeout(30_000)
              .emitWithAck('conversation.close', { conversationId: p.conversation.id })
              .then(
                () => closed++,
                () => closed++,
              );
          }, exponential(handleMs));
        });
        await new Promise<void>((resolve) => desk.once('desk.state', () => resolve()));
      }

      const early = new Map<string, Told[]>();
      const started = performance.now();
      const arrivals: Promise<void>[] = [];
      for (let i = 0; i < conversations; i++) {
        arrivals.push(
          (async () => {
            const v = await retrying(() =>
              http.expect<{ token: string }>(201, 'POST', '/v1/visitors', { channel: 'web_chat' }),
            );
            const socket = io(`http://127.0.0.1:${port}/visitor`, {
              auth: { token: v.token },
              transports: ['websocket'],
            });
            sockets.push(socket);
            const t: Tracked = { postedAt: 0, told: [] };
            tracked.push(t);
            socket.on(
              'queue.updated',
              (u: { conversationId: string; position: number; estimatedWaitSeconds?: number }) => {
                const told = {
                  at: performance.now(),
                  position: u.position,
                  estimate: u.estimatedWaitSeconds,
                };
                if (t.conversationId === u.conversationId) t.told.push(told);
                else early.set(u.conversationId, [...(early.get(u.conversationId) ?? []), told]);
              },
            );
            await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
            t.postedAt = performance.now();
            const clientMessageId = randomUUID();
            const posted = await retrying(() =>
              http.expect<{ conversationId: string }>(
                201,
                'POST',
                '/v1/visitor/messages',
                { text: `queue ${i}`, clientMessageId },
                v.token,
              ),
            );
            t.conversationId = posted.conversationId;
            t.told.unshift(...(early.get(posted.conversationId) ?? []));
          })(),
        );
        arrivals[arrivals.length - 1].catch(() => undefined); // awaited below; never unhandled meanwhile
        await sleep(exponential(arrivalMs));
      }
      await Promise.all(arrivals);
      say(`${conversations} conversations opened in ${((performance.now() - started) / 1000).toFixed(0)} s`);
      const progress = setInterval(
        () => say(`${assignedAt.size} assigned, ${closed} closed of ${conversations}`),
        15_000,
      ).unref();
      const allAssigned = await waitUntil(
        () => tracked.every((t) => assignedAt.has(t.conversationId!)),
        600_000,
        200,
      );
      clearInterval(progress);
      if (!allAssigned)
        throw new Error(`${tracked.filter((t) => !assignedAt.has(t.conversationId!)).length} never assigned`);
      for (const t of tracked) t.assignedAt = assignedAt.get(t.conversationId!);
      await waitUntil(() => closed >= conversations, 120_000, 200);

      const waited = tracked.filter((t) => t.told.length > 0);
      const atJoin = waited
        .filter((t) => t.told[0].estimate !== undefined)
        .map((t) => ({ estimate: t.told[0].estimate!, actual: (t.assignedAt! - t.told[0].at) / 1000 }));
      const every = waited.flatMap((t) =>
        t.told
          .filter((u) => u.estimate !== undefined)
          .map((u) => ({ estimate: u.estimate!, actual: (t.assignedAt! - u.at) / 1000 })),
      );
      const header = [
        '',
        'n',
        'actual mean s',
        'estimate mean s',
        'bias s',
        'MAE s',
        'median |err| s',
        'p90 |err| s',
        'MAE / mean wait %',
        'within 50% %',
      ];
      process.stdout.write(
        `\nqueue-wait ${new Date().toISOString()}: ${conversations} web_chat conversations, ${agentCount} agents × 1 slot, ` +
          `arrivals ~${arrivalMs} ms, handling ~${handleMs} ms; ${os.cpus().length} cores, load ${loadavg()}\n` +
          `waited (told a position): ${waited.length}; with an estimate at join: ${atJoin.length}; ` +
          `assigned without waiting: ${tracked.length - waited.length}; max position told: ${Math.max(0, ...waited.flatMap((t) => t.told.map((u) => u.position)))}\n\n` +
          table(header, [
            ['estimate when it starts waiting', ...errorsTable(atJoin)],
            ['every queue.updated (remaining wait)', ...errorsTable(every)],
          ]) +
          '\n(bias = mean of estimate − actual: positive means the estimate was too long)\n',
      );
    },
  );
}

void main();
