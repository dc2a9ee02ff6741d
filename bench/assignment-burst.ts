/**
 * bench/assignment-burst — how long a queue takes to reach an agent's desk when a matching round
 * assigns many conversations at once: an agent coming to a queue, or freeing many slots together.
 * Prints figures; not a test.
 *
 *   npm run bench:assignment-burst -- --conversations 60 --capacity 20
 *
 * Conditions: `--conversations` web_chat visitors each open a conversation while no desk is
 * connected, so all queue; then one agent with `--capacity` chat slots connects its desk (round 1:
 * from the desk's connection), and each later round closes every conversation the desk holds at once
 * (from the closes' sending) until the queue is empty. For each round: when the desk heard each
 * `conversation.assigned`, first, median and last. Set BENCH_PG_ROUND_TRIP_MS with
 * BENCH_SERVICE_NODE_ARGS as for bench/flow to put the database a round trip away.
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
import { waitUntil } from './support/open-loop';
import { num, table } from './support/stats';
import { loadavg, withSystem } from './support/system';
import { positiveOption as option, say } from './support/cli';

async function main(): Promise<void> {
  const conversations = option('conversations', 60, true);
  const capacity = option('capacity', 20, true);
  await withSystem(
    `${conversations} conversations queued, one agent × ${capacity} chat slots; ` +
      `PostgreSQL ${process.env.BENCH_PG_ROUND_TRIP_MS ?? 0} ms away`,
    async ({ port, http, adminToken, sockets }) => {
      const agent = await http.expect<{ token: string }>(
        201,
        'POST',
        '/v1/admin/agents',
        { name: 'burst agent', chatCapacity: capacity },
        adminToken,
      );
      const opened = await mapLimit(Array.from({ length: conversations }), 16, async (_, i) => {
        const v = await http.expect<{ token: string }>(201, 'POST', '/v1/visitors', { channel: 'web_chat' });
        const posted = await http.expect<{ conversationId: string }>(
          201,
          'POST',
          '/v1/visitor/messages',
          { text: `queued ${i}`, clientMessageId: randomUUID() },
          v.token,
        );
        return posted.conversationId;
      });
      say(`${opened.length} conversations queued`);

      /** When the desk heard each conversation assigned. */
      const assignedAt = new Map<string, number>();
      const held = new Set<string>();
      const desk = io(`http://127.0.0.1:${port}/desk`, {
        auth: { token: agent.token },
        transports: ['websocket'],
        autoConnect: false,
      });
      sockets.push(desk);
      desk.on('conversation.assigned', (p: { conversation: { id: string } }) => {
        if (!assignedAt.has(p.conversation.id)) assignedAt.set(p.conversation.id, performance.now());
        held.add(p.conversation.id);
      });

      const rows: string[][] = [];
      let from = performance.now();
      desk.connect();
      for (let round = 1; assignedAt.size < opened.length; round++) {
        const before = assignedAt.size;
        const expected = Math.min(capacity, opened.length - before);
        if (!(await waitUntil(() => assignedAt.size >= before + expected, 60_000, 5)))
          throw new Error(`round ${round}: ${assignedAt.size - before} of ${expected} assigned within 60 s`);
        const times = [...assignedAt.values()]
          .slice(before)
          .map((t) => t - from)
          .sort((a, b) => a - b);
        rows.push([
          round === 1 ? 'the desk connects' : `${expected} slots freed at once`,
          String(times.length),
          num(times[0], 0),
          num(times[Math.floor((times.length - 1) / 2)], 0),
          num(times[times.length - 1], 0),
        ]);
        if (assignedAt.size >= opened.length) break;
        const closing = [...held];
        held.clear();
        from = performance.now();
        for (const conversationId of closing)
          desk.emit('conversation.close', { conversationId }, () => undefined);
      }

      process.stdout.write(
        `\nassignment-burst ${new Date().toISOString()}: ${conversations} web_chat conversations queued, one agent × ` +
          `${capacity} chat slots; PostgreSQL ${process.env.BENCH_PG_ROUND_TRIP_MS ?? 0} ms away; ` +
          `${os.cpus().length} cores, load ${loadavg()}\n\n` +
          table(['round, from', 'assigned', 'first ms', 'median ms', 'last ms'], rows) +
          '\n(ms from the desk connecting, or from the closes being sent, to the desk hearing conversation.assigned)\n',
      );
    },
  );
}

void main();
