/**
 * bench/flow — how long a visitor's message takes to reach the agent's desk through the whole system
 * (visitor POST → gateway → services → gateway → desk socket `message.created`) at fixed open-loop
 * rates, beside a same-run floor: the same path built from bare parts in this process on the same
 * broker and database (kafkajs hop → one PostgreSQL transaction per consumed batch → kafkajs hop).
 * Prints figures; not a test.
 *
 *   npm run bench:flow -- --rates 100,250,500,1000 --seconds 30        (the issue's conditions)
 *   npm run bench:flow -- --rates 250 --first-response-timeout-ms 4000  (conversations keep moving)
 *   npm run bench:flow -- --rates 50 --seconds 5 --warmup 1 --grace 5   (smoke)
 *
 * Conditions: 50 agents at their desks (Socket.IO /desk), 200 visitors each with a conversation
 * assigned to a desk before measuring, production timeouts and Kafka timings (the services' own
 * defaults; only the gateway's rate and socket limits are raised, BENCH_LIMITS: a 429 voids a step). Each rate: wait until the system is
 * idle (probe messages), send open loop for --seconds, wait --grace for the rest, wait until idle
 * again, then the floor at the same rate. The four services run as separate processes from dist/
 * (`npm run build`), so the load generator's own CPU is measured apart (process.cpuUsage).
 *
 * Everything it needs it makes and removes: a broker (KAFKA_BROKERS, else scripts/kafka/kafka.sh),
 * a database pupitre_bench_<id>, topics and groups under bench.<id>.; it stops its children on
 * error, SIGINT and SIGTERM.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import { FlowOptions, parseArgs, peakRate, USAGE, UsageError } from './support/args';
import { Cleanup } from './support/cleanup';
import { CpuMeter, CpuSample, pidsMatching } from './support/cpu';
import { Floor, FloorResult } from './support/floor';
import { JsonClient, mapLimit } from './support/http';
import { skippingParser } from './support/desk-parser';
import { LeanHttpClient, warmFailures, type Warmed } from './support/lean-http';
import {
  Broker,
  createDatabase,
  databaseCounters,
  databaseSettings,
  databaseUrl,
  deleteKafkaPrefix,
  dropDatabase,
  endServiceSessions,
  serviceSessions,
  freePort,
  ROOT,
  startBroker,
  tableCounters,
  type TableWrites,
  topicRecordCounts,
} from './support/infra';
import { abort, checkpoint, LoopResult, openLoop, sleep, waitUntil } from './support/open-loop';
import { benchServiceEnv, rateLimitedWarning, ServiceFleet } from './support/services';
import { extent, ms, num, pct, summarize, Summary, table } from './support/stats';
import { CoreSpeedProbe, describeYardstick, measureYardstick, type Yardstick } from './support/yardstick';
import { say } from './support/cli';

const CHAT_CAPACITY = 20;
/** The services' production default (libs/shared kafkaEnvSchema), used by the floor when not overridden. */
const PRODUCTION_KAFKA_MAX_WAIT_MS = 500;
/** The services' topics have KAFKA_PARTITIONS partitions (6 by default, ensureTopics); the floor's too. */
const PARTITIONS = Number(process.env.KAFKA_PARTITIONS ?? 6);
/** Warm-up is for JIT, pools and caches: at most this rate, so measuring starts from empty queues. */
const WARMUP_MAX_RATE = 100;
/** The system is idle when this many probes in a row reach the desk within PROBE_OK_MS. */
const PROBES_IN_A_ROW = 3;
const PROBE_OK_MS = 1000;
const FANOUT_FAILED = /fan-out for \S+ failed/;
/** How long an agent's answer (--agent-answers) waits for its acknowledgement. */
const ANSWER_ACK_TIMEOUT_MS = 30_000;

const loadavg = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** One series of visitor messages (warm-up, probes, or a measured step), indexed by sequence number. */
interface Phase {
  tag: string;
  rate: number;
  n: number;
  sentAt: Float64Array;
  /** When the request got a socket: before, it waited in the load generator's own queue. */
  wireAt: Float64Array;
  httpAt: Float64Array;
  deskAt: Float64Array;
  /**
   * The message's `createdAt` as the desk received it, on this process's timeline: conversation's
   * clock when it began applying the message's batch (inside the transaction, before the lock, the
   * inserts and the commit). Splits the desk latency at that point.
   */
  createdAt: Float64Array;
  /** HTTP status; 0 no answer by the end of the grace; -1 network error or client timeout. */
  status: Int16Array;
  /** 503 answers by their error message (which bound refused them). */
  refusals: Map<string, number>;
  sent: number;
  onWire: number;
  httpDone: number;
  /** Set at the end of the grace: later answers and desk events no longer count. */
  closed: boolean;
  delivered: number;
  duplicates: number;
  /** The agents' answers to this phase's messages (--agent-answers). */
  answers: Answers;
  loop?: LoopResult;
}

/** Agents' `message.send`s during a phase, and their acknowledgements. */
interface Answers {
  sent: number;
  ok: number;
  /** Refused acknowledgements by error code; 'timeout' for none within ANSWER_ACK_TIMEOUT_MS. */
  refused: Map<string, number>;
  /** `message.send` → its acknowledgement, for those acknowledged ok. */
  ackMs: number[];
}

interface Visitor {
  visitorId: string;
  token: string;
  channel: 'mobile_app' | 'web_chat';
}

interface DeskMessage {
  conversationId?: string;
  message?: { text?: string; author?: { type?: string }; createdAt?: string };
}

interface Settled {
  seconds: number;
  settled: boolean;
  probes: number;
}

/** Everything measured at one rate. */
interface Step {
  rate: number;
  m: Phase;
  settleBefore: Settled;
  settleAfter: Settled;
  cpu: { cpuStart: CpuSample; cpuSendEnd: CpuSample; cpuGraceEnd: CpuSample; graceSeconds: number };
  /** The bench process's CPU (process.cpuUsage ÷ wall time), % of one core. */
  generatorCpu: { sending: number; grace: number };
  loopDelayMs: { p99: number; max: number };
  deskDisconnects: number;
  /** `conversation.updated` pushes the desks received during the step and its grace (whole views). */
  deskUpdates: number;
  records: Map<string, number>;
  db: Record<string, number>;
  /** Rows inserted, updated and deleted per table over the step and its grace (pg_stat_user_tables). */
  tables: Map<string, TableWrites>;
  load: { before: string; after: string; beforeFloor: string };
  /** Gateway log lines "fan-out … failed" during the step (a desk push given up). */
  fanoutFailures: number;
  floor: FloorResult | null;
  floorMachineCpu: number;
  /** Of it, the hypervisor's steal: a floor slowed by the VM's neighbours shows here. */
  floorSteal: number;
  /** A core's speed, the best JSON round trip of each 5 s (support/yardstick.ts), during the floor and the step. */
  coreUs: { floor: number[]; step: number[] };
  problems: string[];
  /**
   * No earlier step or warm-up (of a second or more) of the run reached this rate or a higher one:
   * what the services grow for that rate may still be growing during the step (session 60: each of
   * the seven 30-s 1,000/s steps measured so refused some, none of the six after earlier load at that
   * rate did; docs/performance.md, "What a visitor message costs, and what was priced").
   */
  firstAtRate: boolean;
  /**
   * The load generator's keep-alive connections to the gateway: open when the step began (after
   * `--warm-connections`), opened during the step and its grace, and of those in its first 5 s.
   * Null with `--node-client`.
   */
  connections: {
    /** What `--warm-connections` got just before the step (null: not asked). */
    warmed: Warmed | null;
    openBefore: number;
    opened: number;
    openedFirst5s: number;
  } | null;
}

function newPhase(tag: string, rate: number, n: number): Phase {
  return {
    tag,
    rate,
    n,
    sentAt: new Float64Array(n),
    wireAt: new Float64Array(n),
    httpAt: new Float64Array(n),
    deskAt: new Float64Array(n),
    createdAt: new Float64Array(n),
    status: new Int16Array(n),
    refusals: new Map(),
    sent: 0,
    onWire: 0,
    httpDone: 0,
    closed: false,
    delivered: 0,
    duplicates: 0,
    answers: { sent: 0, ok: 0, refused: new Map(), ackMs: [] },
  };
}

/** Whether the i-th message of a phase is one of the `share` answered: evenly spread (every one at 1). */
const answered = (i: number, share: number) => Math.floor((i + 1) * share) > Math.floor(i * share);

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
  const cleanup = new Cleanup(say);
  const startedAt = new Date();
  const machine = {
    cores: os.cpus().length,
    model: os.cpus()[0]?.model.trim() ?? '?',
    memGiB: os.totalmem() / 2 ** 30,
    loadBefore: loadavg(),
    // Before anything of the run starts: the machine alone (support/yardstick.ts).
    yardstick: await measureYardstick(),
  };
  const maxWaitMs = opts.kafkaMaxWaitMs ?? PRODUCTION_KAFKA_MAX_WAIT_MS;
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
    say(`run ${runId}: database ${dbName}, topic prefix ${prefix}; load average ${machine.loadBefore}`);
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

    // 2. Build once, then the four services as separate processes (like scripts/start.js).
    if (opts.build) {
      say('npm run build…');
      execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 2, 2] });
      checkpoint();
    }
    const port = await freePort();
    const { env, adminToken } = benchServiceEnv({
      databaseUrl: databaseUrl(dbName),
      brokers: broker.brokers,
      prefix,
      port,
    });
    if (opts.firstResponseTimeoutMs !== null)
      env.FIRST_RESPONSE_TIMEOUT_MS = String(opts.firstResponseTimeoutMs);
    if (opts.kafkaMaxWaitMs !== null) env.KAFKA_MAX_WAIT_MS = String(opts.kafkaMaxWaitMs);
    const runningFleet = new ServiceFleet(ROOT, logDir);
    fleet = runningFleet;
    cleanup.add('stop services', () => runningFleet.stop());
    runningFleet.start(env);
    say(`services starting (gateway on :${port}, ${runningFleet.priorities}, logs in ${logDir})`);
    const http = new JsonClient('127.0.0.1', port, opts.sockets);
    cleanup.add('http agent', () => http.close());
    // The load itself goes through a lean client: Node's http.request costs 3–4 times its CPU per request
    // (npm run bench:http-client-cost).
    const lean = opts.nodeClient ? null : new LeanHttpClient('127.0.0.1', port, opts.sockets);
    const poster = lean ?? http;
    if (lean) cleanup.add('lean http client', () => lean.close());
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
    const phases = new Map<string, Phase>();
    const assigned = new Map<string, Socket>();
    let assignments = 0;
    let repliesSeen = 0;
    let deskDisconnects = 0;
    let deskUpdates = 0;
    const answer = (p: Phase, i: number, socket: Socket, conversationId: string) => {
      const t0 = performance.now();
      p.answers.sent++;
      const refused = (code: string) => p.answers.refused.set(code, (p.answers.refused.get(code) ?? 0) + 1);
      socket
        .timeout(ANSWER_ACK_TIMEOUT_MS)
        .emitWithAck('message.send', {
          conversationId,
          text: `bench answer ${p.tag}.${i}`,
          clientMessageId: `${runId}-answer-${p.tag}-${i}`,
        })
        .then(
          (ack: { ok: boolean; error?: { code?: string } }) => {
            if (p.closed) return;
            if (!ack.ok) return refused(ack.error?.code ?? '?');
            p.answers.ok++;
            p.answers.ackMs.push(performance.now() - t0);
          },
          () => !p.closed && refused('timeout'),
        );
    };
    const onDeskMessage = (payload: DeskMessage, socket: Socket) => {
      const now = performance.now();
      if (payload?.message?.text === 'bench reply') repliesSeen++;
      const m = /^bench ([a-z0-9]+)#(\d+)$/.exec(payload?.message?.text ?? '');
      const p = m ? phases.get(m[1]) : undefined;
      if (!m || !p) return;
      const i = Number(m[2]);
      if (i >= p.n || p.closed) return;
      // Delivered when any desk receives it: with a short R9 the conversation may have moved meanwhile.
      if (p.deskAt[i] > 0) p.duplicates++;
      else {
        p.deskAt[i] = now;
        // Same machine, same wall clock; ms precision (an ISO date). Its age now, on the monotonic clock.
        p.createdAt[i] = now - (Date.now() - Date.parse(payload.message?.createdAt ?? ''));
        p.delivered++;
        // The measured steps only: the probes' latency says when the system is idle.
        if (p.tag.startsWith('m') && payload.conversationId && answered(i, opts.agentAnswers))
          answer(p, i, socket, payload.conversationId);
      }
    };
    const desks: Socket[] = [];
    cleanup.add('close desks', () => desks.forEach((s) => s.close()));
    await mapLimit(agents, 5, async (agent) => {
      const socket = io(`http://127.0.0.1:${port}/desk`, {
        auth: { token: agent.token },
        transports: ['websocket'],
        reconnectionDelay: 200,
        // Whole views this process only counts: not parsed (the wire is the same).
        ...(opts.nodeClient ? {} : { parser: skippingParser('/desk', ['conversation.updated']) }),
      });
      desks.push(socket);
      socket.on('conversation.assigned', (p: { conversation?: { id?: string } }) => {
        if (p?.conversation?.id) {
          assigned.set(p.conversation.id, socket);
          assignments++;
        }
      });
      socket.on('message.created', (payload: DeskMessage) => onDeskMessage(payload, socket));
      socket.on('conversation.updated', () => deskUpdates++);
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
    // Setup steps are idempotent (clientMessageId): on a busy machine a 503 is retried, not fatal.
    const conversations = await mapLimit(visitors, 10, (v, i) =>
      retrying(`visitor ${i} first message`, () =>
        http
          .expect<{ conversationId: string }>(
            201,
            'POST',
            '/v1/visitor/messages',
            { text: `bench hello ${i}`, clientMessageId: `${runId}-hello-${i}` },
            v.token,
          )
          .then((r) => r.conversationId),
      ),
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
      await mapLimit(conversations, 10, (conversationId, i) =>
        retrying(`agent reply ${i}`, async () => {
          const ack = (await assigned
            .get(conversationId)!
            .timeout(15_000)
            .emitWithAck('message.send', {
              conversationId,
              text: 'bench reply',
              clientMessageId: `${runId}-reply-${i}`,
            })) as { ok: boolean; error?: { code: string; message: string } };
          if (!ack.ok) throw new Error(`message.send refused: ${ack.error?.code} ${ack.error?.message}`);
        }),
      );
      if (!(await waitUntil(() => repliesSeen >= conversations.length, 60_000))) {
        throw new Error(
          `only ${repliesSeen} of ${conversations.length} agent replies reached the desks in 60 s`,
        );
      }
      await sleep(1000); // routing's deadlines follow the replies through conversation.events
      say('every conversation has an agent reply (R10 deadlines move with each visitor message)');
    }

    // 4. The floor's pipeline, ready before the load (its idle consumers poll like the services').
    let floor: Floor | null = null;
    if (opts.floor) {
      const f = new Floor({
        brokers: broker.brokers,
        prefix,
        databaseUrl: databaseUrl(dbName),
        keys: opts.visitors,
        maxWaitMs,
        partitions: PARTITIONS,
      });
      floor = f;
      cleanup.add('floor', () => f.stop());
      await f.start();
      checkpoint();
      say('floor pipeline ready (hop → one transaction per batch → hop)');
    }

    // 5. Load: open-loop visitor messages, round-robin over the visitors.
    const send =
      (p: Phase, offset = 0) =>
      (i: number) => {
        const v = visitors[(i + offset) % visitors.length];
        const body = { text: `bench ${p.tag}#${i}`, clientMessageId: `${runId}-${p.tag}-${i}` };
        p.sentAt[i] = performance.now();
        p.sent++;
        const done = (status: number, body?: unknown) => {
          if (p.closed) return;
          p.httpAt[i] = performance.now();
          p.status[i] = status;
          p.httpDone++;
          if (status !== 503) return;
          const why = (body as { error?: { message?: string } } | null)?.error?.message ?? '?';
          p.refusals.set(why, (p.refusals.get(why) ?? 0) + 1);
        };
        const onSocket = () => {
          if (p.closed) return;
          p.wireAt[i] = performance.now();
          p.onWire++;
        };
        poster.request('POST', '/v1/visitor/messages', body, v.token, 60_000, onSocket).then(
          (r) => done(r.status, r.body),
          () => done(-1),
        );
      };
    const settledPhase = (p: Phase) => () =>
      p.delivered === p.n && p.httpDone === p.n && unacknowledged(p.answers) === 0;

    /** The header's account of the warm-ups, system and floor. */
    const warmups: string[] = [];
    /**
     * Unmeasured load: sent open loop, then waited for until every 201 is at a desk and every POST
     * answered, and for the whole grace when some were refused, as a measured step does, so that a
     * refused message reaching a desk is seen. What it got goes in the header: no step's figures
     * hold it.
     */
    const warmUp = async (tag: string, what: string, rate: number, seconds: number): Promise<void> => {
      say(`${what}: ${seconds} s at ${rate}/s (not measured)`);
      const w = newPhase(tag, rate, Math.max(1, Math.round(seconds * rate)));
      phases.set(tag, w);
      await openLoop(rate, w.n, send(w));
      checkpoint();
      const done = () => {
        const st = statusCounts(w);
        return w.httpDone === w.n && st.undelivered201 === 0 && st.s503 === 0;
      };
      await waitUntil(done, opts.grace * 1000, 200);
      w.closed = true;
      const st = statusCounts(w);
      const got =
        `${what} ${seconds} s at ${rate}/s: ${st.ok} of ${w.n} answered 201, ${st.s503} 503 ` +
        `(${st.delivered503} of them at a desk), ${st.s429} 429, ${st.others} other` +
        (st.undelivered201 > 0 ? `; ${st.undelivered201} answered 201 at no desk after ${opts.grace} s` : '');
      say(got);
      warmups.push(got);
    };
    const floorWarmUp = async (tag: string, rate: number, seconds: number) => {
      if (!floor) return;
      const r = await floor.measure(tag, rate, seconds, opts.grace);
      warmups.push(
        `the floor's at ${rate}/s: p99 ${ms(summarize(r.endToEndMs).p99)}, ${r.lost} of ${r.sent} lost`,
      );
    };

    const warmupRate = Math.min(opts.rates[0], WARMUP_MAX_RATE);
    if (opts.warmup > 0) {
      await warmUp('w', 'warm-up', warmupRate, opts.warmup);
      await floorWarmUp('fw', warmupRate, Math.min(opts.warmup, 5));
    }
    if (opts.warmupPeak > 0) {
      // At 100/s the highest rate's batches, pools and compiled paths are never reached: without
      // this, the first step at that rate runs into them still growing (session 60).
      const peak = peakRate(opts);
      await warmUp('wp', 'warm-up at the peak', peak, opts.warmupPeak);
      await floorWarmUp('fwp', peak, opts.warmupPeak);
    }
    if (opts.restartAfterWarmup.length > 0) {
      // Which side of the line a first step's cost is on: these processes start afresh, while the
      // broker, the database and this load generator keep what the warm-ups left.
      const names = opts.restartAfterWarmup.join(', ');
      say(`restarting ${names}`);
      // A restarted gateway drops the desks; they reconnect by themselves (socket.io-client) and are
      // back once each has its new desk.state, its rooms joined, as at the start.
      const withGateway = opts.restartAfterWarmup.includes('gateway');
      let deskStates = 0;
      if (withGateway) for (const d of desks) d.once('desk.state', () => deskStates++);
      const t0 = performance.now();
      const stoppedMs = await runningFleet.restart(opts.restartAfterWarmup, 120_000);
      await runningFleet.waitReady(http, 120_000);
      const readyMs = performance.now() - t0 - stoppedMs;
      if (!(await waitUntil(() => !withGateway || deskStates === desks.length, 60_000, 100)))
        throw new Error(`only ${deskStates} of ${desks.length} desks had their desk.state again in 60 s`);
      const took =
        `${names} restarted after the warm-ups: stopped in ${(stoppedMs / 1000).toFixed(1)} s, ready ` +
        `${(readyMs / 1000).toFixed(1)} s after` +
        (withGateway
          ? `, every desk back (desk.state) ${((performance.now() - t0 - stoppedMs - readyMs) / 1000).toFixed(1)} s after that`
          : '');
      say(took);
      warmups.push(took);
    }
    if (opts.endSessionsAfterWarmup) {
      // The database side of a restart alone: new sessions, with empty caches and no prepared
      // statements, under processes that keep their compiled code and heaps.
      const ended = await endServiceSessions(dbName);
      const said = `the services' database sessions ended after the warm-ups: ${ended} (their pools open new ones)`;
      say(said);
      warmups.push(said);
    }

    // Probes, one at a time: the system is idle again when PROBES_IN_A_ROW reach the desk quickly.
    const probes = newPhase('p', 1, 100_000);
    phases.set('p', probes);
    const settle = async (what: string): Promise<Settled> => {
      const t0 = performance.now();
      let inARow = 0;
      let count = 0;
      while (performance.now() - t0 < opts.settle * 1000 && probes.sent < probes.n) {
        checkpoint();
        const i = probes.sent;
        send(probes, 7)(i);
        count++;
        await waitUntil(() => probes.deskAt[i] > 0 && probes.httpAt[i] > 0, 2 * PROBE_OK_MS, 10);
        const ok =
          probes.status[i] === 201 &&
          probes.deskAt[i] > 0 &&
          probes.deskAt[i] - probes.sentAt[i] < PROBE_OK_MS;
        inARow = ok ? inARow + 1 : 0;
        if (inARow >= PROBES_IN_A_ROW) break;
        await sleep(200);
      }
      const seconds = (performance.now() - t0) / 1000;
      const settled = inARow >= PROBES_IN_A_ROW;
      say(`${what}: ${settled ? 'idle' : 'STILL BUSY'} after ${seconds.toFixed(1)} s (${count} probes)`);
      return { seconds, settled, probes: count };
    };

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

    const header = headerLines(
      opts,
      machine,
      broker,
      prefix,
      dbName,
      mobileCount,
      webCount,
      warmupRate,
      maxWaitMs,
      await databaseSettings(),
      warmups,
    );
    process.stdout.write(`${header.join('\n')}\n`);
    const steps: Step[] = [];
    // A warm-up counts once it lasted a second: a few messages do not grow what a rate needs.
    // Restarted services have run no rate yet, whatever the broker and database have.
    let rateReached =
      opts.restartAfterWarmup.length > 0
        ? 0
        : Math.max(opts.warmup >= 1 ? warmupRate : 0, opts.warmupPeak >= 1 ? peakRate(opts) : 0);
    // --end-sessions-before: the first step at that rate only.
    let sessionsEndedBefore = false;
    for (const [k, rate] of opts.rates.entries()) {
      const firstAtRate = rate > rateReached;
      rateReached = Math.max(rateReached, rate);
      const settleBefore = await settle(`before ${rate}/s`);
      const endSessions = opts.endSessionsBeforeRate === rate && !sessionsEndedBefore;
      if (endSessions) {
        sessionsEndedBefore = true;
        // Fresh database sessions for warm processes, with the floor's time for the relays to
        // reconnect: whatever the step then needs, it opens and prepares during the step.
        const ended = await endServiceSessions(dbName);
        say(`the services' database sessions ended before the ${rate}/s floor and step: ${ended}`);
      }
      const beforeFloor = loadavg();
      let floorResult: FloorResult | null = null;
      let floorMachineCpu = NaN;
      let floorSteal = NaN;
      const floorCoreUs: number[] = [];
      if (floor) {
        say(`floor: ${opts.seconds} s at ${rate}/s`);
        const c0 = meter.sample({ switches: false });
        const speed = new CoreSpeedProbe();
        const windows = setInterval(() => floorCoreUs.push(speed.window()), 5000);
        try {
          floorResult = await floor.measure(`f${k}`, rate, opts.seconds, opts.grace);
        } finally {
          clearInterval(windows);
          speed.stop();
        }
        const floorCpu = meter.between(c0, meter.sample({ switches: false }));
        floorMachineCpu = floorCpu.machine;
        floorSteal = floorCpu.steal;
        const fs = summarize(floorResult.endToEndMs);
        say(`floor ${rate}/s: p50 ${ms(fs.p50)} p99 ${ms(fs.p99)}, ${floorResult.lost} lost`);
      }
      const loadBefore = loadavg();
      const fanoutBefore = runningFleet.countLines(FANOUT_FAILED);
      const recordsBefore = await countRecords();
      const dbBefore = await databaseCounters(dbName);
      const tablesBefore = await tableCounters(dbName);
      const disconnectsBefore = deskDisconnects;
      const updatesBefore = deskUpdates;
      // Just before the step: the warming requests go through the gateway's HTTP code too.
      const warmed = lean && opts.warmConnections > 0 ? await lean.warm(opts.warmConnections) : null;
      const conns0 = lean?.connections();
      let connsPrev = conns0;
      let openedFirst5s = NaN;
      const tag = `m${k}`;
      const m = newPhase(tag, rate, Math.max(1, Math.round(rate * opts.seconds)));
      phases.set(tag, m);
      const sessionsBefore = endSessions ? await serviceSessions(dbName) : null;
      say(`measuring: ${opts.seconds} s at ${rate}/s (load average ${loadBefore})`);
      const loopDelay = monitorEventLoopDelay({ resolution: 10 });
      loopDelay.enable();
      const cpuStart = meter.sample();
      let cpuPrev = cpuStart;
      let lastSent = 0;
      const speed = new CoreSpeedProbe();
      const stepCoreUs: number[] = [];
      const tStart = performance.now();
      const progress = setInterval(() => {
        // The progress line shows CPU only: reading every thread's status here would add to send lag.
        const s = meter.sample({ switches: false });
        const { perGroup, machine: busy, steal } = meter.between(cpuPrev, s);
        cpuPrev = s;
        const core = speed.window();
        stepCoreUs.push(core);
        const cpu = [...perGroup].map(([key, v]) => `${key.split(' ')[0]} ${num(v)}`).join(' ');
        const conns = lean?.connections();
        const added = conns && connsPrev ? conns.opened - connsPrev.opened : NaN;
        if (Number.isNaN(openedFirst5s)) openedFirst5s = added;
        const newConns = conns ? ` conns ${conns.open} (+${added})` : '';
        connsPrev = conns;
        say(
          `t=${((performance.now() - tStart) / 1000).toFixed(0)}s sent ${m.sent} (+${m.sent - lastSent}) ` +
            `http ${m.httpDone} (queued in generator ${m.sent - m.onWire}, at gateway ${m.onWire - m.httpDone}) ` +
            `desk ${m.delivered} (backlog ${m.sent - m.delivered})${newConns} | cpu% ${cpu} | machine ${num(busy)} ` +
            `(steal ${num(steal)}) | core ${num(core, 1)} µs`,
        );
        lastSent = m.sent;
      }, 5000);
      const gen0 = process.cpuUsage();
      m.loop = await openLoop(rate, m.n, send(m));
      checkpoint();
      const genSend = process.cpuUsage(gen0);
      const cpuSendEnd = meter.sample();
      const tSendEnd = performance.now();
      await waitUntil(settledPhase(m), opts.grace * 1000);
      checkpoint();
      m.closed = true;
      const genAll = process.cpuUsage(gen0);
      const cpuGraceEnd = meter.sample();
      const connsEnd = lean?.connections(); // before the settle's probes, which may open some
      const graceSeconds = (performance.now() - tSendEnd) / 1000;
      const cpuShare = (u: NodeJS.CpuUsage, wallMs: number) => (100 * (u.user + u.system)) / 1000 / wallMs;
      const generatorCpu = {
        sending: cpuShare(genSend, tSendEnd - tStart),
        grace: cpuShare(
          { user: genAll.user - genSend.user, system: genAll.system - genSend.system },
          graceSeconds * 1000,
        ),
      };
      clearInterval(progress);
      speed.stop();
      loopDelay.disable();
      say(`${rate}/s: ${m.delivered} of ${m.n} at a desk, ${m.httpDone} HTTP answers`);
      if (sessionsBefore !== null)
        say(
          `the services' database sessions: ${sessionsBefore} at the step's start, ${await serviceSessions(dbName)} after it`,
        );
      await sleep(1500); // backends flush their statistics about once a second
      const dbAfter = await databaseCounters(dbName);
      const tablesAfter = await tableCounters(dbName);
      const tables = new Map<string, TableWrites>();
      for (const [name, a] of tablesAfter) {
        const b = tablesBefore.get(name) ?? { ins: 0, upd: 0, del: 0 };
        const d = { ins: a.ins - b.ins, upd: a.upd - b.upd, del: a.del - b.del };
        if (d.ins + d.upd + d.del > 0) tables.set(name, d);
      }
      const recordsAfter = await countRecords();
      const records = new Map<string, number>();
      for (const [topic, n] of recordsAfter) {
        if (!topic.startsWith('floor.')) records.set(topic, n - (recordsBefore.get(topic) ?? 0));
      }
      const loadAfter = loadavg();
      const settleAfter = await settle(`after ${rate}/s`);
      const step: Step = {
        rate,
        m,
        settleBefore,
        settleAfter,
        cpu: { cpuStart, cpuSendEnd, cpuGraceEnd, graceSeconds },
        generatorCpu,
        loopDelayMs: { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
        deskDisconnects: deskDisconnects - disconnectsBefore,
        deskUpdates: deskUpdates - updatesBefore,
        records,
        db: Object.fromEntries(Object.entries(dbAfter).map(([key, v]) => [key, v - (dbBefore[key] ?? 0)])),
        tables,
        load: { before: loadBefore, after: loadAfter, beforeFloor },
        fanoutFailures: runningFleet.countLines(FANOUT_FAILED) - fanoutBefore,
        floor: floorResult,
        floorMachineCpu,
        floorSteal,
        coreUs: { floor: floorCoreUs, step: stepCoreUs },
        problems: runningFleet.problems(),
        firstAtRate,
        connections:
          conns0 && connsEnd
            ? { warmed, openBefore: conns0.open, opened: connsEnd.opened - conns0.opened, openedFirst5s }
            : null,
      };
      steps.push(step);
      process.stdout.write(stepReport(opts, step, meter, machine.cores));
    }

    process.stdout.write(
      summaryReport(opts, steps, {
        startedAt,
        machine,
        assignments,
        conversations: conversations.length,
        problems: runningFleet.problems(),
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

/** Up to 5 attempts, 1 s apart, for idempotent setup steps. */
async function retrying<T>(what: string, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= 5) throw err;
      say(`${what}: ${(err as Error).message}; retrying`);
      await sleep(1000);
      checkpoint();
    }
  }
}

/** `lo–hi µs` of the finite values, `-` if none. */
function range(us: number[]): string {
  const e = extent(us);
  return e === null ? '-' : `${num(e[0], 1)}–${num(e[1], 1)} µs`;
}

function pidOf(fleet: ServiceFleet, name: 'gateway' | 'conversation' | 'routing' | 'billing'): number[] {
  const pid = fleet.pid(name);
  return pid ? [pid] : [];
}

function headerLines(
  opts: FlowOptions,
  machine: { cores: number; model: string; memGiB: number; loadBefore: string; yardstick: Yardstick },
  broker: Broker,
  prefix: string,
  dbName: string,
  mobileCount: number,
  webCount: number,
  warmupRate: number,
  maxWaitMs: number,
  pgSettings: string,
  warmups: string[],
): string[] {
  const r9 =
    opts.firstResponseTimeoutMs === null
      ? 'production defaults (R9 5 min, R10 12 h, request timeout 5 s)'
      : `FIRST_RESPONSE_TIMEOUT_MS ${opts.firstResponseTimeoutMs} (R9: conversations move between agents), R10 12 h`;
  return [
    '',
    '=== Pupitre bench/flow ===',
    `started   ${new Date().toISOString()}, args: ${process.argv.slice(2).join(' ') || '(defaults)'}`,
    `machine   ${machine.cores} cores (${machine.model}), ${machine.memGiB.toFixed(0)} GiB, node ${process.version}, ` +
      `${os.platform()} ${os.arch()}; load average at start ${machine.loadBefore}`,
    `          ${describeYardstick(machine.yardstick)}`,
    `          load generator (this process, with the floor), 4 services (separate processes from dist/), ` +
      `Kafka and PostgreSQL share these cores, with whatever else runs on the machine`,
    `settings  rates ${opts.rates.join(', ')}/s open loop for ${opts.seconds} s each (after ${opts.warmup} s ` +
      `warm-up at ${warmupRate}/s` +
      (opts.warmupPeak > 0 ? ` and ${opts.warmupPeak} s at ${peakRate(opts)}/s` : '') +
      `), grace ${opts.grace} s; each step: idle (${PROBES_IN_A_ROW} probes ` +
      `in a row at a desk within ${PROBE_OK_MS} ms, at most ${opts.settle} s) → floor → system`,
    ...warmups.map((w) => `          not measured: ${w}`),
    `          ${opts.agents} agents at their desks (chatCapacity ${CHAT_CAPACITY}), ${opts.visitors} visitors ` +
      `round-robin (${mobileCount} mobile_app, ${webCount} web_chat), each with a conversation assigned ` +
      `before measuring; agents replied once before the load: ${opts.agentReplied ? 'yes' : 'no'}; ` +
      `during the load the desk receiving a visitor message answers ${pct(100 * opts.agentAnswers)} of them at once`,
    `          timeouts: ${r9}; KAFKA_MAX_WAIT_MS ${maxWaitMs}${opts.kafkaMaxWaitMs === null ? ' (production default)' : ''}; ` +
      `gateway rate and socket limits raised (BENCH_LIMITS; any 429 marks the step INVALID); ${opts.sockets} keep-alive HTTP sockets ` +
      (opts.nodeClient
        ? "(Node's http.request; desks parse every event)"
        : '(a lean HTTP/1.1 client; desks skip parsing conversation.updated)'),
    `          kafka ${broker.brokers.join(',')} (${broker.origin}), topics ${prefix}*, database ${dbName} (PostgreSQL: ${pgSettings})`,
    `floor     same run, this process, same broker and database: kafkajs producer (services' settings, one send ` +
      `per message) → consumer applies each batch in ONE transaction (multi-row insert) and sends it on in ONE ` +
      `produce call → final consumer; ${PARTITIONS} partitions, fetch wait ${maxWaitMs} ms; run just before ` +
      `each system step at the same rate, once the system is idle`,
    '',
  ];
}

interface StatusCounts {
  ok: number;
  s503: number;
  s429: number;
  /** Any other answer, or none, by label; `others` is their sum. */
  other: Map<string, number>;
  others: number;
  /** Answered 201 and at no desk (yet); answered 503 and at a desk all the same. */
  undelivered201: number;
  delivered503: number;
}

function statusCounts(m: Phase): StatusCounts {
  let ok = 0;
  let s503 = 0;
  let s429 = 0;
  let undelivered201 = 0;
  let delivered503 = 0;
  const other = new Map<string, number>();
  for (let i = 0; i < m.n; i++) {
    const s = m.status[i];
    if (s === 201 && !(m.deskAt[i] > 0)) undelivered201++;
    if (s === 503 && m.deskAt[i] > 0) delivered503++;
    if (s === 201) ok++;
    else if (s === 503) s503++;
    else if (s === 429) s429++;
    else {
      const label =
        s === -1
          ? 'network error/client timeout'
          : s !== 0
            ? String(s)
            : m.wireAt[i] > 0
              ? 'no answer by the end of the grace'
              : 'never left the load generator';
      other.set(label, (other.get(label) ?? 0) + 1);
    }
  }
  const others = [...other.values()].reduce((a, b) => a + b, 0);
  return { ok, s503, s429, other, others, undelivered201, delivered503 };
}

interface StepFigures {
  achieved: number;
  desk: Summary;
  post: Summary;
  post201: Summary;
  /** Of the desk latency: POST sent → the message's createdAt (its batch begun), and createdAt → the desk. */
  toCreated: Summary;
  createdToDesk: Summary;
  undelivered: number;
}

function figures(m: Phase): StepFigures {
  const loop = m.loop!;
  const sendSeconds = (loop.lastSendAt - loop.firstSendAt) / 1000;
  const deskMs: number[] = [];
  const postMs: number[] = [];
  const post201Ms: number[] = [];
  const toCreatedMs: number[] = [];
  const createdToDeskMs: number[] = [];
  for (let i = 0; i < m.n; i++) {
    if (m.deskAt[i] > 0) deskMs.push(m.deskAt[i] - m.sentAt[i]);
    if (m.deskAt[i] > 0 && Number.isFinite(m.createdAt[i])) {
      toCreatedMs.push(m.createdAt[i] - m.sentAt[i]);
      createdToDeskMs.push(m.deskAt[i] - m.createdAt[i]);
    }
    if (m.status[i] > 0) postMs.push(m.httpAt[i] - m.sentAt[i]);
    if (m.status[i] === 201) post201Ms.push(m.httpAt[i] - m.sentAt[i]);
  }
  return {
    achieved: m.n > 1 && sendSeconds > 0 ? (m.n - 1) / sendSeconds : NaN,
    desk: summarize(deskMs),
    post: summarize(postMs),
    post201: summarize(post201Ms),
    toCreated: summarize(toCreatedMs),
    createdToDesk: summarize(createdToDeskMs),
    undelivered: m.n - deskMs.length,
  };
}

/** Answers sent and neither acknowledged nor refused yet. */
const unacknowledged = (a: Answers) => a.sent - a.ok - [...a.refused.values()].reduce((x, y) => x + y, 0);

function answersLine(a: Answers): string {
  const ack = summarize(a.ackMs);
  const refused = [...a.refused].map(([code, n]) => `${code} ×${n}`).join(', ') || 'none';
  return (
    `  agents' answers (message.send): ${a.sent} sent, ${a.ok} acknowledged ok (p50 ${ms(ack.p50)}, ` +
    `p99 ${ms(ack.p99)}, max ${ms(ack.max)}); refused or timed out: ${refused}; ` +
    `no acknowledgement by the end of the grace: ${unacknowledged(a)}`
  );
}

/** `--warm-connections`' outcome, for the step's report. */
function warmedText(w: Warmed | null): string {
  if (!w) return '';
  const failures = warmFailures(w);
  return `: ${w.open} answered 200` + (failures ? `, others ${failures}` : '');
}

function stepReport(opts: FlowOptions, s: Step, meter: CpuMeter, cores: number): string {
  const { m } = s;
  const f = figures(m);
  const st = statusCounts(m);
  const loop = m.loop!;
  const lagS = summarize(loop.lagMs);
  const row = (label: string, sent: number, count: number, lost: number, x: Summary) => [
    label,
    num(sent, 1),
    String(count),
    String(lost),
    ms(x.p50),
    ms(x.p95),
    ms(x.p99),
    ms(x.max),
  ];
  const rows = [
    row('visitor POST → desk message.created', f.achieved, m.n, f.undelivered, f.desk),
    // Of the messages at a desk; "lost" here: those whose createdAt did not parse.
    row(
      '  (of which POST → applying: createdAt)',
      f.achieved,
      f.desk.count,
      f.desk.count - f.toCreated.count,
      f.toCreated,
    ),
    row(
      '  (and createdAt → desk)',
      f.achieved,
      f.desk.count,
      f.desk.count - f.createdToDesk.count,
      f.createdToDesk,
    ),
    row('POST /v1/visitor/messages, any answer', f.achieved, m.n, m.n - f.post.count, f.post),
    row('POST /v1/visitor/messages → 201', f.achieved, m.n, m.n - f.post201.count, f.post201),
  ];
  const fl = s.floor;
  if (fl) {
    const fSeconds = (fl.loop.lastSendAt - fl.loop.firstSendAt) / 1000;
    const fAchieved = fl.sent > 1 && fSeconds > 0 ? (fl.sent - 1) / fSeconds : NaN;
    rows.push(
      row(
        'floor: produce → 1 tx/batch → hop → consume',
        fAchieved,
        fl.sent,
        fl.lost,
        summarize(fl.endToEndMs),
      ),
      row(
        '  (floor first hop: produce call → ack)',
        fAchieved,
        fl.sent,
        fl.sent - fl.ackMs.length,
        summarize(fl.ackMs),
      ),
    );
  }
  const out: string[] = [
    `--- ${s.rate} visitor messages/s for ${opts.seconds} s (load average before the floor ${s.load.beforeFloor}, ` +
      `before the system step ${s.load.before}, after it ${s.load.after}) ---`,
    `idle before the floor and the step: ${s.settleBefore.settled ? 'yes' : 'NO'} after ${s.settleBefore.seconds.toFixed(1)} s; ` +
      `back to idle after the grace: ${s.settleAfter.settled ? 'yes' : 'NO'} after ${s.settleAfter.seconds.toFixed(1)} s; ` +
      `first time at this rate in the run: ${s.firstAtRate ? 'yes (nothing before it reached this rate or a higher one since the services started; --warmup-peak, --restart-after-warmup)' : 'no'}`,
    ...(s.connections
      ? [
          `the load generator's keep-alive connections to the gateway: ${s.connections.openBefore} open when the step ` +
            `began (--warm-connections ${opts.warmConnections}${warmedText(s.connections.warmed)}), ` +
            `${s.connections.opened} opened during the step and its grace` +
            (Number.isNaN(s.connections.openedFirst5s)
              ? ''
              : ` (${s.connections.openedFirst5s} in its first 5 s)`),
        ]
      : []),
    table(['', 'sent/s', 'count', 'lost', 'p50', 'p95', 'p99', 'max'], rows),
    `  lost: not at any desk ${opts.grace} s after the last send / no answer of that kind / floor: not consumed.`,
    `  POST answers: 201 ×${st.ok}, 503 ×${st.s503}, 429 ×${st.s429}, other ×${st.others}` +
      (st.other.size > 0 ? ` (${[...st.other].map(([k, v]) => `${k} ×${v}`).join(', ')})` : ''),
    ...(m.refusals.size > 0
      ? [`  503s by reason: ${[...m.refusals].map(([why, n]) => `"${why}" ×${n}`).join(', ')}`]
      : []),
    ...[rateLimitedWarning(st.s429)].filter((w): w is string => w !== null),
    ...(m.answers.sent > 0 ? [answersLine(m.answers)] : []),
    `  never delivered to a desk: ${f.undelivered} of ${m.n} (of which answered 201: ${st.undelivered201}); ` +
      `delivered although answered 503: ${st.delivered503}; desk duplicates ${m.duplicates}, desk disconnects ` +
      `${s.deskDisconnects}; gateway "fan-out … failed" warnings ${s.fanoutFailures}; desk conversation.updated ` +
      `pushes ${s.deskUpdates} (${(s.deskUpdates / m.n).toFixed(2)} per visitor message)`,
    `  a core's speed (the best JSON round trip of each 5 s, support/yardstick.ts): during the floor ` +
      `${range(s.coreUs.floor)}, during the step ${range(s.coreUs.step)}`,
    `  load generator CPU (process.cpuUsage ÷ wall): ${pct(s.generatorCpu.sending)} of one core while sending, ` +
      `${pct(s.generatorCpu.grace)} during the grace; send lag behind schedule p99 ${ms(lagS.p99)} max ${ms(lagS.max)}; ` +
      `event-loop delay p99 ${ms(s.loopDelayMs.p99)} max ${ms(s.loopDelayMs.max)}`,
  ];
  if (fl) {
    out.push(
      `  floor: ${fl.batches} batches of ${num(fl.meanBatch, 1)} on average, errors ${fl.produceErrors}, ` +
        `duplicates ${fl.duplicates}; generator+floor process CPU ${pct(fl.processCpu)} of one core; machine ` +
        `${pct(s.floorMachineCpu)} of ${cores * 100}%, of which stolen by the hypervisor ${pct(s.floorSteal)}`,
    );
  }

  // Latency over the step, by send time: growth here means a backlog.
  const slices = 6;
  const perSlice = Math.max(1, Math.ceil(m.n / slices));
  const sliceRows: string[][] = [];
  for (let start = 0; start < m.n; start += perSlice) {
    const end = Math.min(m.n, start + perSlice);
    const d: number[] = [];
    const h: number[] = [];
    let e503 = 0;
    for (let i = start; i < end; i++) {
      if (m.deskAt[i] > 0) d.push(m.deskAt[i] - m.sentAt[i]);
      if (m.status[i] > 0) h.push(m.httpAt[i] - m.sentAt[i]);
      if (m.status[i] === 503) e503++;
    }
    const ds = summarize(d);
    const hs = summarize(h);
    sliceRows.push([
      `${(start / s.rate).toFixed(1)}–${(end / s.rate).toFixed(1)} s`,
      String(end - start),
      String(end - start - d.length),
      String(e503),
      ms(ds.p50),
      ms(ds.p99),
      ms(hs.p50),
      ms(hs.p99),
    ]);
  }
  out.push(
    '  over the step, by send time:',
    indent(
      table(
        ['sent during', 'count', 'undeliv.', '503', 'desk p50', 'desk p99', 'POST p50', 'POST p99'],
        sliceRows,
      ),
    ),
  );

  const during = meter.between(s.cpu.cpuStart, s.cpu.cpuSendEnd);
  const after = meter.between(s.cpu.cpuSendEnd, s.cpu.cpuGraceEnd);
  // Per visitor message sent: what each process spends while sending (its share of the grace aside).
  const perMessage = (v: number | undefined, digits: number) =>
    v === undefined || m.n === 0 ? '?' : (v / m.n).toFixed(digits);
  const cpuRows = [...during.perGroup].map(([label, v]) => [
    label,
    pct(v),
    pct(after.perGroup.get(label) ?? NaN),
    perMessage((during.cpuSeconds.get(label) ?? NaN) * 1000, 2),
    perMessage(during.switches.get(label), 1),
    perMessage(during.faults.get(label), 1),
  ]);
  const sum = (g: Map<string, number>) =>
    [...g.values()].reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
  cpuRows.push(
    [
      'all of the above',
      pct(sum(during.perGroup)),
      pct(sum(after.perGroup)),
      perMessage(sum(during.cpuSeconds) * 1000, 2),
      perMessage(sum(during.switches), 1),
      perMessage(sum(during.faults), 1),
    ],
    ['whole machine (incl. other processes)', pct(during.machine), pct(after.machine), '', '', ''],
    ['  of which stolen by the hypervisor', pct(during.steal), pct(after.steal), '', '', ''],
  );
  out.push(
    `  CPU (% of one core; ${cores} cores = ${cores * 100}%), from /proc; per visitor message sent, while ` +
      'sending: CPU ms, context switches (all threads: waits ended, and preemptions) and minor page faults:',
    indent(
      table(
        [
          'process',
          'while sending',
          `grace (${s.cpu.graceSeconds.toFixed(1)} s)`,
          'CPU ms / msg',
          'switches / msg',
          'faults / msg',
        ],
        cpuRows,
      ),
    ),
  );
  const recRows = [...s.records]
    .filter(([, count]) => count > 0)
    .map(([topic, count]) => [topic, String(count), (count / m.n).toFixed(2)]);
  if (recRows.length > 0) {
    out.push(
      `  Kafka records written during the step and its grace (${m.n} visitor messages):`,
      indent(table(['topic', 'records', 'per visitor msg'], recRows)),
    );
  }
  if (Object.keys(s.db).length > 0) {
    const per = (k: string) => ((s.db[k] ?? NaN) / m.n).toFixed(2);
    out.push(
      `  PostgreSQL per visitor message (pg_stat_database): commits ${per('xact_commit')}, rollbacks ` +
        `${per('xact_rollback')}, rows inserted ${per('tup_inserted')}, updated ${per('tup_updated')}, ` +
        `deleted ${per('tup_deleted')}, fetched ${per('tup_fetched')}; WAL ${per('wal_bytes')} bytes ` +
        `(whole cluster)`,
    );
    const tableRows = [...s.tables]
      .sort(([, a], [, b]) => b.ins + b.upd + b.del - (a.ins + a.upd + a.del))
      .map(([name, t]) => [name, ...[t.ins, t.upd, t.del].map((v) => (v / m.n).toFixed(2))]);
    if (tableRows.length > 0) {
      out.push(
        '  rows written per visitor message, by table (pg_stat_user_tables):',
        indent(table(['table', 'inserted', 'updated', 'deleted'], tableRows)),
      );
    }
  }
  out.push('', '');
  return out.join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

function summaryReport(
  opts: FlowOptions,
  steps: Step[],
  run: {
    startedAt: Date;
    machine: { loadBefore: string };
    assignments: number;
    conversations: number;
    problems: string[];
  },
): string {
  const rows: string[][] = [];
  for (const s of steps) {
    const f = figures(s.m);
    const st = statusCounts(s.m);
    const fl = s.floor ? summarize(s.floor.endToEndMs) : null;
    rows.push([
      `${s.rate}/s`,
      num(f.achieved, 0),
      ms(f.desk.p50),
      ms(f.desk.p95),
      ms(f.desk.p99),
      fl ? ms(fl.p50) : '-',
      fl ? ms(fl.p95) : '-',
      fl ? ms(fl.p99) : '-',
      // A floor that lost messages was saturated itself (or the machine was): no meaningful ratio.
      fl && Number.isFinite(f.desk.p99)
        ? `${(f.desk.p99 / fl.p99).toFixed(1)}×${s.floor!.lost > 0 ? ' (floor lost!)' : ''}`
        : '-',
      ms(f.post.p50),
      ms(f.post.p99),
      String(st.s503),
      String(st.s429),
      String(st.others),
      String(f.undelivered),
      pct(s.generatorCpu.sending),
      s.load.before.split(' ')[0] + '→' + s.load.after.split(' ')[0],
      s.settleBefore.settled ? 'yes' : 'NO',
      s.firstAtRate ? 'yes' : 'no',
      s.connections ? String(s.connections.opened) : '-',
    ]);
  }
  const out = [
    `=== Summary (${steps.length} steps, ${opts.seconds} s each; R9 ${
      opts.firstResponseTimeoutMs === null ? 'production 5 min' : `${opts.firstResponseTimeoutMs} ms`
    }) ===`,
    table(
      [
        'rate',
        'sent/s',
        'desk p50',
        'p95',
        'p99',
        'floor p50',
        'p95',
        'p99',
        'p99/floor',
        'POST p50',
        'POST p99',
        '503',
        '429',
        'other',
        'undeliv.',
        'gen CPU',
        'load 1m',
        'idle before',
        'first',
        'new conns',
      ],
      rows,
    ),
    `  desk: visitor POST → desk message.created (any desk; delivered counts even when the POST was answered 503);`,
    `  POST: time to any HTTP answer; 503/429/other: POST answers; undeliv.: at no desk ${opts.grace} s after the`,
    `  step's last send; gen CPU: the load generator's own CPU while sending, % of one core; load 1m: 1-minute`,
    `  load average before → after the step; idle before: the probes reached a desk within ${PROBE_OK_MS} ms before`,
    `  the floor and the step (NO: the backlog of the previous step was still draining after --settle s);`,
    `  first: no earlier step or warm-up of the run reached this rate or a higher one (since the services' restart,`,
    `  with --restart-after-warmup), so what the services grow for it may still be growing (--warmup-peak S runs`,
    `  the highest rate unmeasured first); new conns: keep-alive`,
    `  connections the load generator opened to the gateway during the step (--warm-connections N opens them before).`,
    `  Goal (issue 7): p99/floor ≤ 3× at 1,000/s, ≤ 2× at 250/s, no errors.`,
    `  conversation.assigned events seen over the run: ${run.assignments} (${run.conversations} conversations)`,
    `  started ${run.startedAt.toISOString()}, ended ${new Date().toISOString()}; load average at start ` +
      `${run.machine.loadBefore}, at end ${loadavg()}`,
  ];
  if (run.problems.length > 0) {
    out.push('', 'Service warnings/errors logged (first ones):', ...run.problems.map((p) => `  ${p}`));
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
