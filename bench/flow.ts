/**
 * bench/flow — how long a visitor's message takes to reach the agent's desk, through the whole system
 * (gateway → conversation.requests → conversation service + outbox → conversation.events → gateway →
 * desk socket), at a fixed open-loop rate; with the HTTP answer time and, as a floor, a raw kafkajs
 * produce→consume hop on the same broker. Prints figures; not a test.
 *
 *   npm run bench:flow -- --rate 200 --duration 20        (--help for every option)
 *
 * Everything it needs it makes and removes: a broker (KAFKA_BROKERS, else scripts/kafka/kafka.sh),
 * a database pupitre_bench_<id>, topics and groups under bench.<id>., the four services from dist/.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import { FlowOptions, parseArgs, USAGE, UsageError } from './support/args';
import { CpuMeter, CpuSample, pidsMatching } from './support/cpu';
import { FloorResult, runFloor } from './support/floor';
import { JsonClient, mapLimit } from './support/http';
import {
  Broker,
  createDatabase,
  databaseCounters,
  databaseUrl,
  deleteKafkaPrefix,
  dropDatabase,
  freePort,
  ROOT,
  startBroker,
  topicRecordCounts,
} from './support/infra';
import { abort, checkpoint, LoopResult, openLoop, sleep, waitUntil } from './support/open-loop';
import { ServiceFleet } from './support/services';
import { ms, num, pct, summarize, Summary, table } from './support/stats';

const CHAT_CAPACITY = 20;
const LONG_TIMEOUT_MS = String(24 * 3600 * 1000); // R9/R10 never fire during a run
const KAFKA_MAX_WAIT_MS = 100;
/** Warm-up is for JIT, pools and caches: at most this rate, so measuring starts from empty queues. */
const WARMUP_MAX_RATE = 100;

const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);

/** One series of visitor messages (warm-up `w` or measured `m`), indexed by sequence number. */
interface Phase {
  tag: 'w' | 'm';
  n: number;
  sentAt: Float64Array;
  /** When the request got a socket: before, it waited in the load generator's own queue. */
  wireAt: Float64Array;
  httpAt: Float64Array;
  deskAt: Float64Array;
  /** HTTP status; 0 no answer by the end of the drain; -1 network error. */
  status: Int16Array;
  sent: number;
  onWire: number;
  httpDone: number;
  /** Set at the end of the drain: later answers and desk events no longer count. */
  closed: boolean;
  delivered: number;
  duplicates: number;
  loop?: LoopResult;
}

interface Visitor {
  visitorId: string;
  token: string;
  channel: 'mobile_app' | 'web_chat';
}

interface DeskMessage {
  conversationId?: string;
  message?: { text?: string; author?: { type?: string } };
}

/** Cleanup steps, run last-in first-out once, whatever happened (also on SIGINT). */
class Cleanup {
  private readonly steps: { what: string; run: () => unknown }[] = [];
  private running: Promise<void> | null = null;

  add(what: string, run: () => unknown): void {
    this.steps.push({ what, run });
  }

  runAll(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.reverse()) {
        try {
          await step.run();
        } catch (err) {
          say(`cleanup: ${step.what} failed: ${(err as Error).message}`);
        }
      }
    })();
    return this.running;
  }
}

async function main(): Promise<number> {
  let opts: FlowOptions;
  try {
    const parsed = parseArgs(process.argv.slice(2));
    if (parsed === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    opts = parsed;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n${USAGE}\n`);
    return 2;
  }

  const runId = randomBytes(4).toString('hex');
  const prefix = `bench.${runId}.`;
  const dbName = `pupitre_bench_${runId}`;
  const logDir = mkdtempSync(join(os.tmpdir(), `pupitre-bench-${runId}-`));
  const cleanup = new Cleanup();
  const machine = {
    cores: os.cpus().length,
    model: os.cpus()[0]?.model.trim() ?? '?',
    memGiB: os.totalmem() / 2 ** 30,
    loadBefore: os.loadavg(),
  };
  let failed = false;
  let interrupted = false;
  const onSignal = (signal: string) => {
    if (interrupted) return;
    interrupted = true;
    abort.requested = true; // loops and waits end; the run stops at its next step and cleans up
    say(`${signal}: stopping everything this run started…`);
    // Should a step not come back soon (a long request), clean up from here.
    setTimeout(() => void cleanup.runAll().then(() => process.exit(130)), 15_000).unref();
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));

  let fleet: ServiceFleet | null = null;
  try {
    // 1. Infrastructure: broker, a fresh database and topic prefix.
    say(`run ${runId}: database ${dbName}, topic prefix ${prefix}`);
    const broker: Broker = startBroker();
    cleanup.add('kafka stop', () => broker.stop());
    say(`kafka ${broker.brokers.join(',')} (${broker.origin})`);
    await createDatabase(dbName);
    checkpoint();
    cleanup.add(`drop database ${dbName}`, () => dropDatabase(dbName));
    cleanup.add(`delete topics ${prefix}*`, async () => {
      const n = await deleteKafkaPrefix(broker.brokers, prefix);
      say(`deleted ${n} topics ${prefix}*`);
    });
    cleanup.add('logs', () => {
      if (!opts.keepLogs && !failed) rmSync(logDir, { recursive: true, force: true });
      else say(`service logs kept in ${logDir}`);
    });

    // 2. Build once, then the four services as separate processes.
    if (opts.build) {
      say('npm run build…');
      execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 2, 2] });
      checkpoint();
    }
    const port = await freePort();
    const adminToken = randomBytes(24).toString('hex');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: databaseUrl(dbName),
      KAFKA_BROKERS: broker.brokers.join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      PORT: String(port),
      ADMIN_TOKEN: adminToken,
      JWT_SECRET: randomBytes(32).toString('hex'),
      RATE_LIMIT_VISITORS_PER_MINUTE: '1000000',
      KAFKA_MAX_WAIT_MS: String(KAFKA_MAX_WAIT_MS),
      FIRST_RESPONSE_TIMEOUT_MS: LONG_TIMEOUT_MS,
      RESPONSE_TIMEOUT_MS: LONG_TIMEOUT_MS,
    };
    const runningFleet = new ServiceFleet(ROOT, logDir);
    fleet = runningFleet;
    cleanup.add('stop services', () => runningFleet.stop());
    runningFleet.start(env);
    say(`services starting (gateway on :${port}, logs in ${logDir})`);
    const http = new JsonClient('127.0.0.1', port, opts.sockets);
    cleanup.add('http agent', () => http.close());
    const tReady = performance.now();
    await runningFleet.waitReady(http, 120_000);
    say(`ready in ${((performance.now() - tReady) / 1000).toFixed(1)} s`);

    // 3. Agents at their desks, visitors each with an assigned conversation.
    const mobileCount = Math.round(opts.visitors * opts.mobileShare);
    const webCount = opts.visitors - mobileCount;
    const admin = (method: string, path: string, body?: unknown) =>
      http.expect<{ id: string; token: string; mobileCapacity: number }>(201, method, path, body, adminToken);
    const agents = await mapLimit(Array.from({ length: opts.agents }), 5, (_, i) =>
      admin('POST', '/v1/admin/agents', { name: `bench agent ${i + 1}`, chatCapacity: CHAT_CAPACITY }),
    );
    const mobileCapacity = agents[0].mobileCapacity;
    if (mobileCount > opts.agents * mobileCapacity || webCount > opts.agents * CHAT_CAPACITY) {
      throw new Error(
        `${mobileCount} mobile_app + ${webCount} web_chat visitors do not fit ${opts.agents} agents × ` +
          `(${CHAT_CAPACITY} chat + ${mobileCapacity} mobile) slots: raise --agents or lower --visitors`,
      );
    }
    const phases: Partial<Record<'w' | 'm', Phase>> = {};
    const assigned = new Map<string, Socket>();
    let repliesSeen = 0;
    let deskDisconnects = 0;
    const onDeskMessage = (payload: DeskMessage) => {
      const now = performance.now();
      if (payload?.message?.text === 'bench reply') repliesSeen++;
      const m = /^bench ([wm])#(\d+)$/.exec(payload?.message?.text ?? '');
      const p = m ? phases[m[1] as 'w' | 'm'] : undefined;
      if (!m || !p) return;
      const i = Number(m[2]);
      if (i >= p.n || p.closed) return;
      if (p.deskAt[i] > 0) p.duplicates++;
      else {
        p.deskAt[i] = now;
        p.delivered++;
      }
    };
    const desks: Socket[] = [];
    cleanup.add('close desks', () => desks.forEach((s) => s.close()));
    await mapLimit(agents, 5, async (agent) => {
      const socket = io(`http://127.0.0.1:${port}/desk`, {
        auth: { token: agent.token },
        transports: ['websocket'],
        reconnectionDelay: 200,
      });
      desks.push(socket);
      socket.on('conversation.assigned', (p: { conversation?: { id?: string } }) => {
        if (p?.conversation?.id) assigned.set(p.conversation.id, socket);
      });
      socket.on('message.created', onDeskMessage);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('desk.state not received in 15 s')), 15_000);
        socket.once('desk.state', () => {
          clearTimeout(timer);
          resolve();
        });
        socket.once('connect_error', (err: Error) => {
          clearTimeout(timer);
          reject(new Error(`desk connection refused: ${err.message}`));
        });
      });
      socket.on('disconnect', (reason: string) => {
        if (reason !== 'io client disconnect') deskDisconnects++;
      });
    });
    say(`${agents.length} agents at their desks`);
    const visitors: Visitor[] = await mapLimit(Array.from({ length: opts.visitors }), 20, async (_, i) => {
      const channel = i < mobileCount ? 'mobile_app' : 'web_chat';
      const platform = channel === 'web_chat' ? 'web' : i % 2 === 0 ? 'ios' : 'android';
      const v = await http.expect<{ visitorId: string; token: string }>(201, 'POST', '/v1/visitors', {
        channel,
        name: `bench visitor ${i + 1}`,
        platform,
      });
      return { ...v, channel };
    });
    // Interleave the channels so the round-robin mixes them.
    visitors.sort((a, b) => (a.visitorId < b.visitorId ? -1 : 1));
    const conversations = await mapLimit(visitors, 20, (v, i) =>
      http
        .expect<{ conversationId: string }>(
          201,
          'POST',
          '/v1/visitor/messages',
          { text: `bench hello ${i}`, clientMessageId: `${runId}-hello-${i}` },
          v.token,
        )
        .then((r) => r.conversationId),
    );
    const allAssigned = await waitUntil(() => conversations.every((c) => assigned.has(c)), 60_000);
    checkpoint();
    const assignedCount = conversations.filter((c) => assigned.has(c)).length;
    if (!allAssigned)
      throw new Error(`only ${assignedCount} of ${conversations.length} conversations assigned in 60 s`);
    say(
      `${visitors.length} visitors (${mobileCount} mobile_app, ${webCount} web_chat), all conversations assigned`,
    );
    if (opts.agentReplied) {
      await mapLimit(conversations, 20, async (conversationId, i) => {
        const ack = (await assigned
          .get(conversationId)!
          .timeout(15_000)
          .emitWithAck('message.send', {
            conversationId,
            text: 'bench reply',
            clientMessageId: `${runId}-reply-${i}`,
          })) as { ok: boolean; error?: { code: string; message: string } };
        if (!ack.ok) throw new Error(`message.send refused: ${ack.error?.code} ${ack.error?.message}`);
      });
      if (!(await waitUntil(() => repliesSeen >= conversations.length, 60_000))) {
        throw new Error(
          `only ${repliesSeen} of ${conversations.length} agent replies reached the desks in 60 s`,
        );
      }
      await sleep(1000); // routing's deadlines follow the replies through conversation.events
      say('every conversation has an agent reply (R10 deadlines move with each visitor message)');
    }

    // 4. Load: open-loop visitor messages, round-robin over the visitors.
    const newPhase = (tag: 'w' | 'm', seconds: number): Phase => {
      const n = Math.max(1, Math.round(opts.rate * seconds));
      return (phases[tag] = {
        tag,
        n,
        sentAt: new Float64Array(n),
        wireAt: new Float64Array(n),
        httpAt: new Float64Array(n),
        deskAt: new Float64Array(n),
        status: new Int16Array(n),
        sent: 0,
        onWire: 0,
        httpDone: 0,
        closed: false,
        delivered: 0,
        duplicates: 0,
      });
    };
    const send = (p: Phase) => (i: number) => {
      const v = visitors[i % visitors.length];
      const body = { text: `bench ${p.tag}#${i}`, clientMessageId: `${runId}-${p.tag}-${i}` };
      p.sentAt[i] = performance.now();
      p.sent++;
      const done = (status: number) => {
        if (p.closed) return;
        p.httpAt[i] = performance.now();
        p.status[i] = status;
        p.httpDone++;
      };
      const onSocket = () => {
        if (p.closed) return;
        p.wireAt[i] = performance.now();
        p.onWire++;
      };
      http.request('POST', '/v1/visitor/messages', body, v.token, 60_000, onSocket).then(
        (r) => done(r.status),
        () => done(-1),
      );
    };
    const settled = (p: Phase) => () => p.delivered === p.n && p.httpDone === p.n;

    const warmupRate = Math.min(opts.rate, WARMUP_MAX_RATE);
    if (opts.warmup > 0) {
      say(`warm-up: ${opts.warmup} s at ${warmupRate}/s (not measured)`);
      const w = newPhase('w', (opts.warmup * warmupRate) / opts.rate);
      await openLoop(warmupRate, w.n, send(w));
      checkpoint();
      if (!(await waitUntil(settled(w), opts.drain * 1000))) {
        say(
          `warm-up: ${w.n - w.delivered} of ${w.n} not at the desk after ${opts.drain} s; measuring anyway`,
        );
      }
      w.closed = true;
    }

    const kafkaPids = broker.pid ? [broker.pid] : pidsMatching((cmd) => cmd.includes('kafka.Kafka'));
    const meter = new CpuMeter([
      { label: 'gateway', pids: () => pidOf(runningFleet, 'gateway') },
      { label: 'conversation', pids: () => pidOf(runningFleet, 'conversation') },
      { label: 'routing', pids: () => pidOf(runningFleet, 'routing') },
      { label: 'billing', pids: () => pidOf(runningFleet, 'billing') },
      { label: 'kafka (JVM)', pids: () => kafkaPids },
      {
        label: `postgres (${dbName} backends)`,
        pids: () => pidsMatching((cmd) => cmd.startsWith('postgres: ') && cmd.includes(` ${dbName} `)),
      },
      { label: 'bench (this process)', pids: () => [process.pid] },
    ]);

    const countRecords = () =>
      topicRecordCounts(broker.brokers, prefix).catch((err: Error) => {
        say(`topic counts unavailable: ${err.message}`);
        return new Map<string, number>();
      });
    const recordsBefore = await countRecords();
    const dbBefore = await databaseCounters(dbName);
    say(`measuring: ${opts.duration} s at ${opts.rate}/s`);
    const m = newPhase('m', opts.duration);
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const cpuStart = meter.sample();
    let cpuPrev = cpuStart;
    let lastSent = 0;
    const tStart = performance.now();
    const progress = setInterval(() => {
      const s = meter.sample();
      const { perGroup, machine: busy } = meter.between(cpuPrev, s);
      cpuPrev = s;
      const cpu = [...perGroup].map(([k, v]) => `${k.split(' ')[0]} ${num(v)}`).join(' ');
      say(
        `t=${((performance.now() - tStart) / 1000).toFixed(0)}s sent ${m.sent} (+${m.sent - lastSent}) ` +
          `http ${m.httpDone} (queued in generator ${m.sent - m.onWire}, at gateway ${m.onWire - m.httpDone}) ` +
          `desk ${m.delivered} (backlog ${m.sent - m.delivered}) | ` +
          `cpu% ${cpu} | machine ${num(busy)}`,
      );
      lastSent = m.sent;
    }, 1000);
    m.loop = await openLoop(opts.rate, m.n, send(m));
    checkpoint();
    const cpuSendEnd = meter.sample();
    const tSendEnd = performance.now();
    await waitUntil(settled(m), opts.drain * 1000);
    checkpoint();
    m.closed = true;
    const cpuDrainEnd = meter.sample();
    const drainSeconds = (performance.now() - tSendEnd) / 1000;
    clearInterval(progress);
    loopDelay.disable();
    say(`measured: ${m.delivered} of ${m.n} at the desk, ${m.httpDone} HTTP answers`);

    await sleep(1500); // backends flush their statistics about once a second
    const dbAfter = await databaseCounters(dbName);
    const recordsAfter = await countRecords();
    const records = new Map<string, number>();
    for (const [topic, n] of recordsAfter) records.set(topic, n - (recordsBefore.get(topic) ?? 0));
    const problems = runningFleet.problems();

    // Desks close and services stop before the floor, so it runs on an otherwise idle system.
    desks.forEach((s) => s.close());
    await runningFleet.stop();
    checkpoint();

    // 5. Floor: the raw Kafka hop at the same rate.
    let floor: FloorResult | null = null;
    if (opts.floor) {
      floor = await runFloor(
        {
          brokers: broker.brokers,
          topic: `${prefix}floor`,
          groupId: `${prefix}floor`,
          rate: opts.rate,
          duration: opts.duration,
          warmup: opts.warmup,
          drain: opts.drain,
          keys: opts.visitors,
          maxWaitMs: KAFKA_MAX_WAIT_MS,
        },
        say,
      );
    }

    // 6. The report.
    process.stdout.write(
      report({
        opts,
        machine,
        broker,
        dbName,
        prefix,
        mobileCount,
        webCount,
        m,
        floor,
        cpu: { meter, cpuStart, cpuSendEnd, cpuDrainEnd, drainSeconds },
        loopDelayMs: { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
        deskDisconnects,
        records,
        db: Object.fromEntries(Object.entries(dbAfter).map(([k, v]) => [k, v - (dbBefore[k] ?? 0)])),
        warmupRate,
        problems,
      }),
    );
    return 0;
  } catch (err) {
    if (interrupted) return 130;
    failed = true;
    say(`FAILED: ${(err as Error).message}`);
    if (fleet) say(`service logs:\n${fleet.tails()}`);
    return 1;
  } finally {
    await cleanup.runAll();
  }
}

function pidOf(fleet: ServiceFleet, name: 'gateway' | 'conversation' | 'routing' | 'billing'): number[] {
  const pid = fleet.pid(name);
  return pid ? [pid] : [];
}

interface ReportInput {
  opts: FlowOptions;
  machine: { cores: number; model: string; memGiB: number; loadBefore: number[] };
  broker: Broker;
  dbName: string;
  prefix: string;
  mobileCount: number;
  webCount: number;
  m: Phase;
  floor: FloorResult | null;
  cpu: {
    meter: CpuMeter;
    cpuStart: CpuSample;
    cpuSendEnd: CpuSample;
    cpuDrainEnd: CpuSample;
    drainSeconds: number;
  };
  loopDelayMs: { p99: number; max: number };
  deskDisconnects: number;
  /** Records each topic gained during the measured load and its drain. */
  records: Map<string, number>;
  /** pg_stat_database counters gained during the measured load and its drain. */
  db: Record<string, number>;
  warmupRate: number;
  problems: string[];
}

function report(r: ReportInput): string {
  const { opts, m } = r;
  const loop = m.loop!;
  const sendSeconds = (loop.lastSendAt - loop.firstSendAt) / 1000;
  const achieved = m.n > 1 && sendSeconds > 0 ? (m.n - 1) / sendSeconds : NaN;
  const deskMs: number[] = [];
  const httpMs: number[] = [];
  const wireMs: number[] = [];
  const queuedMs: number[] = [];
  const statuses = new Map<string, number>();
  let lastDeskAt = NaN;
  let lastHttpAt = NaN;
  for (let i = 0; i < m.n; i++) {
    if (m.deskAt[i] > 0) {
      deskMs.push(m.deskAt[i] - m.sentAt[i]);
      if (!(m.deskAt[i] <= lastDeskAt)) lastDeskAt = m.deskAt[i];
    }
    if (m.httpAt[i] > 0 && !(m.httpAt[i] <= lastHttpAt)) lastHttpAt = m.httpAt[i];
    if (m.wireAt[i] > 0) queuedMs.push(m.wireAt[i] - m.sentAt[i]);
    if (m.status[i] === 201) {
      httpMs.push(m.httpAt[i] - m.sentAt[i]);
      wireMs.push(m.httpAt[i] - m.wireAt[i]);
    }
    const s =
      m.status[i] === -1
        ? 'network error'
        : m.status[i] !== 0
          ? String(m.status[i])
          : m.wireAt[i] > 0
            ? 'no answer yet (at the gateway)'
            : 'not sent yet (queued in the load generator)';
    statuses.set(s, (statuses.get(s) ?? 0) + 1);
  }
  const throughput = (count: number, last: number, first: number) =>
    count > 0 && last > first ? count / ((last - first) / 1000) : NaN;
  const row = (
    label: string,
    asked: number,
    sent: number,
    done: number,
    count: number,
    lost: number,
    s: Summary,
  ) => [
    label,
    num(asked),
    num(sent, 1),
    num(done, 1),
    String(count),
    String(lost),
    ms(s.p50),
    ms(s.p95),
    ms(s.p99),
    ms(s.max),
  ];
  const rows = [
    row(
      '(a) visitor POST → desk message.created',
      opts.rate,
      achieved,
      throughput(deskMs.length, lastDeskAt, loop.firstSendAt),
      m.n,
      m.n - deskMs.length,
      summarize(deskMs),
    ),
    row(
      '(b) HTTP POST /v1/visitor/messages → 201',
      opts.rate,
      achieved,
      throughput(httpMs.length, lastHttpAt, loop.firstSendAt),
      m.n,
      m.n - httpMs.length,
      summarize(httpMs),
    ),
    row(
      "    (b') of which on the wire: socket → 201",
      opts.rate,
      achieved,
      NaN,
      m.n,
      m.n - wireMs.length,
      summarize(wireMs),
    ),
  ];
  const f = r.floor;
  if (f) {
    const fSeconds = (f.loop.lastSendAt - f.loop.firstSendAt) / 1000;
    const fAchieved = f.sent > 1 && fSeconds > 0 ? (f.sent - 1) / fSeconds : NaN;
    rows.push(
      row(
        '(c) raw Kafka hop: produce call → consume',
        opts.rate,
        fAchieved,
        throughput(f.hopMs.length, f.lastDeliveredAt, f.loop.firstSendAt),
        f.sent,
        f.lost,
        summarize(f.hopMs),
      ),
      row(
        '    (raw produce call → ack, acks=-1)',
        opts.rate,
        fAchieved,
        NaN,
        f.sent,
        f.sent - f.ackMs.length,
        summarize(f.ackMs),
      ),
    );
  }

  const out: string[] = [];
  const lagS = summarize(loop.lagMs);
  out.push(
    '',
    '=== Pupitre bench/flow ===',
    `machine   ${r.machine.cores} cores (${r.machine.model}), ${r.machine.memGiB.toFixed(0)} GiB, node ${process.version}, ` +
      `${os.platform()} ${os.arch()}; load average before ${r.machine.loadBefore.map((l) => l.toFixed(2)).join(' ')}`,
    `          load generator, 4 services, Kafka and PostgreSQL share these cores`,
    `settings  rate ${opts.rate}/s open-loop for ${opts.duration} s (after ${opts.warmup} s warm-up at ${r.warmupRate}/s), drain ${opts.drain} s, ` +
      `${opts.agents} agents (chatCapacity ${CHAT_CAPACITY}), ${opts.visitors} visitors round-robin ` +
      `(${r.mobileCount} mobile_app, ${r.webCount} web_chat), ${opts.sockets} keep-alive HTTP sockets`,
    `          kafka ${r.broker.brokers.join(',')} (${r.broker.origin}), KAFKA_MAX_WAIT_MS ${KAFKA_MAX_WAIT_MS}, ` +
      `topics ${r.prefix}*, database ${r.dbName}, R9/R10 timeouts ${LONG_TIMEOUT_MS} ms, ` +
      `agents replied before the load: ${opts.agentReplied ? 'yes' : 'no'}`,
    '',
    table(['', 'asked/s', 'sent/s', 'done/s', 'count', 'lost', 'p50', 'p95', 'p99', 'max'], rows),
    '',
    `  sent/s: rate the load generator achieved; done/s: completions ÷ (last completion − first send);`,
    `  lost: (a) not at the desk ${opts.drain} s after the last send, (b) no 201 (see statuses), (c) not consumed.`,
    `  (c) runs after the services stopped: same broker, producer and consumer settings, same rate.`,
    `  HTTP statuses: ${[...statuses].map(([k, v]) => `${k} ×${v}`).join(', ')}; desk duplicates ${m.duplicates}, ` +
      `desk disconnects ${r.deskDisconnects}`,
    `  load generator: send lag behind schedule p99 ${ms(lagS.p99)} max ${ms(lagS.max)}; event-loop delay ` +
      `p99 ${ms(r.loopDelayMs.p99)} max ${ms(r.loopDelayMs.max)}`,
  );
  if (f) {
    out.push(`  floor: produce errors ${f.produceErrors}, consumer duplicates ${f.duplicates}`);
  }

  // Latency over the run, by send time: growth here means a backlog.
  const sliceSeconds = Math.max(1, Math.round(opts.duration / 10));
  const perSlice = Math.max(1, Math.round(opts.rate * sliceSeconds));
  const sliceRows: string[][] = [];
  for (let start = 0; start < m.n; start += perSlice) {
    const end = Math.min(m.n, start + perSlice);
    const d: number[] = [];
    const h: number[] = [];
    for (let i = start; i < end; i++) {
      if (m.deskAt[i] > 0) d.push(m.deskAt[i] - m.sentAt[i]);
      if (m.status[i] === 201) h.push(m.httpAt[i] - m.sentAt[i]);
    }
    const ds = summarize(d);
    const hs = summarize(h);
    const from = (start / opts.rate).toFixed(0);
    const to = (end / opts.rate).toFixed(0);
    sliceRows.push([
      `${from}–${to} s`,
      String(end - start),
      String(end - start - d.length),
      ms(ds.p50),
      ms(ds.p99),
      ms(ds.max),
      ms(hs.p50),
      ms(hs.p99),
    ]);
  }
  const queuedS = summarize(queuedMs);
  out.push(
    `  wait for a socket in the load generator (${opts.sockets} keep-alive sockets): p50 ${ms(queuedS.p50)} ` +
      `p99 ${ms(queuedS.p99)} max ${ms(queuedS.max)}; a long wait means the backlog sits on the client side`,
    '',
    'Over the run (by send time):',
    table(['sent during', 'count', 'lost', '(a) p50', '(a) p99', '(a) max', '(b) p50', '(b) p99'], sliceRows),
  );

  const { meter, cpuStart, cpuSendEnd, cpuDrainEnd, drainSeconds } = r.cpu;
  const during = meter.between(cpuStart, cpuSendEnd);
  const after = meter.between(cpuSendEnd, cpuDrainEnd);
  const cpuRows = [...during.perGroup].map(([label, v]) => [
    label,
    pct(v),
    pct(after.perGroup.get(label) ?? NaN),
  ]);
  const sum = (g: Map<string, number>) =>
    [...g.values()].reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
  cpuRows.push(
    ['all of the above', pct(sum(during.perGroup)), pct(sum(after.perGroup))],
    ['whole machine (incl. other processes)', pct(during.machine), pct(after.machine)],
  );
  out.push(
    '',
    `CPU (% of one core; ${r.machine.cores} cores = ${r.machine.cores * 100}%), from /proc:`,
    table(['process', 'while sending', `drain (${drainSeconds.toFixed(1)} s)`], cpuRows),
  );

  if (r.records.size > 0) {
    const recRows = [...r.records]
      .filter(([, count]) => count > 0)
      .map(([topic, count]) => [topic, String(count), (count / m.n).toFixed(2)]);
    out.push(
      '',
      `Kafka records written during the measured load (${m.n} visitor messages; empty topics omitted):`,
      table(['topic', 'records', 'per visitor msg'], recRows),
    );
  }
  if (Object.keys(r.db).length > 0) {
    const per = (k: string) => ((r.db[k] ?? NaN) / m.n).toFixed(2);
    out.push(
      '',
      `PostgreSQL activity during the measured load (pg_stat_database of ${r.dbName}, per visitor message):`,
      `  commits ${per('xact_commit')}, rollbacks ${per('xact_rollback')}, rows inserted ${per('tup_inserted')}, ` +
        `updated ${per('tup_updated')}, deleted ${per('tup_deleted')}, fetched ${per('tup_fetched')}, ` +
        `returned ${per('tup_returned')}`,
    );
  }
  if (r.problems.length > 0) {
    out.push('', 'Service warnings/errors logged:', ...r.problems.map((p) => `  ${p}`));
  }
  out.push('');
  return out.join('\n');
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    say(`FAILED: ${err.stack ?? err.message}`);
    process.exit(1);
  },
);
