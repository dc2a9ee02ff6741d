/**
 * bench/overload — issue 7's "overload is refused early and never applied late", measured: visitors
 * post at three times the sustainable rate for 10 s, retrying refused POSTs (same clientMessageId,
 * the SDK's own backoff: full jitter, never sooner than Retry-After), then the load drops to half the
 * sustainable rate.
 * Prints the p99 of a refused POST (goal < 50 ms), the clientMessageIds whose LAST answer was 503 that
 * are nevertheless stored (goal 0, read from the conversation database), and how long after the drop
 * the per-second p99 of POST latency is back within 2× its steady value (goal ≤ 10 s).
 * Also the retries' arithmetic: the overload's messages still unserved when the load drops (their
 * clients retry), their retries during the recovery, and when their 201s came (bench/README.md). And
 * what a lone client sees through the overload: a process of its own, whose answers are not read by
 * the generator's busy loop (support/lone-client.ts).
 * Prints figures; not a test.
 *
 *   npm run bench:overload                        (finds the sustainable rate first: 4 s steps)
 *   npm run bench:overload -- --rate 100          (takes it as given)
 *
 * Conditions: like bench/flow (separate service processes from dist/, production timeouts, agents at
 * their desks, visitors with an assigned conversation), on a fresh database and topic prefix it
 * removes at the end. Steps: find (or take) the sustainable rate S; --steady-seconds at S/2 (the
 * steady p99); --overload-seconds at 3·S; --recovery-seconds at S/2; wait for every retry to end and
 * for REQUEST_TIMEOUT_MS + margin more; then read what is stored.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { io, type Socket } from 'socket.io-client';
import { DEFAULT_BACKOFF } from '../libs/sdk/src/backoff';
import { type SchedRates, schedPerSecond, threadNamed, threadSched } from './support/cpu';
import { JsonClient, mapLimit } from './support/http';
import { skippingParser } from './support/desk-parser';
import { warmFailures } from './support/lean-http';
import {
  type LoneProbe,
  type LoneResult,
  type LoneTry,
  READINESS_PATH,
  startLoneClient,
} from './support/lone-client';
import {
  createDatabase,
  databaseSettings,
  databaseUrl,
  deleteKafkaPrefix,
  dropDatabase,
  freePort,
  ROOT,
  startBroker,
} from './support/infra';
import { abort, checkpoint, sleep, waitUntil } from './support/open-loop';
import {
  type Attempt,
  type ClientFleet,
  forkClients,
  inProcessClients,
  MAX_ATTEMPTS,
  REFUSAL_LABELS,
  type RefusalKind,
  type Sent,
} from './support/overload-clients';
import { benchServiceEnv, generatorNice, rateLimitedWarning, ServiceFleet } from './support/services';
import { extent, ms, quantile, summarize, table } from './support/stats';
import { describeYardstick, measureYardstick } from './support/yardstick';
import { say } from './support/cli';

interface Options {
  rate: number | null;
  factor: number;
  steadySeconds: number;
  overloadSeconds: number;
  recoverySeconds: number;
  probeSeconds: number;
  agents: number;
  visitors: number;
  maxInFlight: number | null;
  loneRate: number;
  readinessRate: number;
  clientProcesses: number;
  warmConnections: number;
  build: boolean;
  keepLogs: boolean;
}

const USAGE = `usage: npm run bench:overload -- [options]
  --rate N               the sustainable rate (visitor messages/s); unset: found with short steps
  --factor F             overload = F × the sustainable rate            (3)
  --steady-seconds S     at half the rate before the overload             (10)
  --overload-seconds S   at F × the rate, clients retrying                (10)
  --recovery-seconds S   at half the rate after                          (30)
  --probe-seconds S      length of each step of the search                (4)
  --agents N             agents at their desks                            (50)
  --visitors N           visitors, each with an assigned conversation     (200)
  --max-in-flight N      the gateway's MAX_IN_FLIGHT_PER_SERVICE           (its default)
  --lone-rate N          a lone client's messages/s through the overload  (100; 0: none)
  --readiness-rate N     its readiness probes/s (GET /health/ready/self)  (10; 0: none)
  --client-processes N   the visitors' clients in N processes of their own (0: in the bench's)
  --warm-connections N   connections the clients open before the steady phase, left idle (0)
  --no-build             use dist/ as it is
  --keep-logs            keep the services' logs`;

function parseArgs(argv: string[]): Options {
  const o: Options = {
    rate: null,
    factor: 3,
    steadySeconds: 10,
    overloadSeconds: 10,
    recoverySeconds: 30,
    probeSeconds: 4,
    agents: 50,
    visitors: 200,
    maxInFlight: null,
    loneRate: 100,
    readinessRate: 10,
    clientProcesses: 0,
    warmConnections: 0,
    build: true,
    keepLogs: false,
  };
  const numeric: Record<string, keyof Options> = {
    '--rate': 'rate',
    '--factor': 'factor',
    '--steady-seconds': 'steadySeconds',
    '--overload-seconds': 'overloadSeconds',
    '--recovery-seconds': 'recoverySeconds',
    '--probe-seconds': 'probeSeconds',
    '--agents': 'agents',
    '--visitors': 'visitors',
    '--max-in-flight': 'maxInFlight',
    '--lone-rate': 'loneRate',
    '--readiness-rate': 'readinessRate',
    '--client-processes': 'clientProcesses',
    '--warm-connections': 'warmConnections',
  };
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].split('=', 2);
    if (name === '--help' || name === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    if (name === '--no-build') o.build = false;
    else if (name === '--keep-logs') o.keepLogs = true;
    else if (numeric[name]) {
      const value = Number(inline ?? argv[++i]);
      // The lone client may be left out (0), for runs like those before it; the clients kept in.
      const counts = ['--client-processes', '--warm-connections'];
      const zeroAllowed = name === '--lone-rate' || name === '--readiness-rate' || counts.includes(name);
      const whole = counts.includes(name) ? Number.isInteger(value) : true;
      if (!Number.isFinite(value) || !whole || value < 0 || (value === 0 && !zeroAllowed))
        throw new Error(`${name} must be a ${zeroAllowed ? 'non-negative' : 'positive'} number`);
      (o as unknown as Record<string, number>)[numeric[name]] = value;
    } else {
      throw new Error(`unknown option ${argv[i]}\n${USAGE}`);
    }
  }
  return o;
}

const uptime = () => {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return `load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`;
  }
};

const REFUSAL_KINDS = Object.keys(REFUSAL_LABELS) as RefusalKind[];
/** The bound and the deadline always have their line (0 is a figure); the others when they came. */
const ALWAYS_PRINTED: readonly RefusalKind[] = ['bound', 'deadline'];

/** The search: candidate rates, and what "keeps up" means for a step. */
const SEARCH_RATES = [10, 15, 20, 25, 35, 50, 75, 100, 150, 200, 300, 400, 600, 800, 1200];
const KEEPS_UP_P99_MS = 1000;
/** The lone client's priority: a phone's CPU is its own, not shared with the system under test. */
const LONE_CLIENT_NICE = -20;
/** REQUEST_TIMEOUT_MS + REQUEST_DEADLINE_MARGIN_MS (the gateway's defaults) + slack, before reading the DB. */
const LATE_EFFECT_WAIT_MS = 5000 + 1000 + 3000;

interface Visitor {
  token: string;
}

/** An attempt that opened its connection (a kept-alive one takes none to open). */
const onNewConnection = (a: Attempt) => (a.connectingMs ?? 0) > 0;

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  const runId = randomBytes(4).toString('hex');
  const prefix = `bench.${runId}.`;
  const dbName = `pupitre_bench_${runId}`;
  const logDir = mkdtempSync(join(os.tmpdir(), `pupitre-overload-${runId}-`));
  const cleanups: { what: string; run: () => unknown }[] = [];
  const uptimeBefore = uptime();
  // Before anything of the run starts: the machine alone (support/yardstick.ts).
  const yardstick = await measureYardstick();
  let failed = false;
  const onSignal = () => {
    abort.requested = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let fleet: ServiceFleet | null = null;
  try {
    say(`run ${runId}; ${uptimeBefore}`);
    const broker = startBroker();
    cleanups.push({ what: 'kafka', run: () => broker.stop() });
    await createDatabase(dbName);
    cleanups.push({ what: 'database', run: () => dropDatabase(dbName) });
    cleanups.push({ what: 'topics', run: () => deleteKafkaPrefix(broker.brokers, prefix) });
    cleanups.push({
      what: 'logs',
      run: () => {
        if (!opts.keepLogs && !failed) rmSync(logDir, { recursive: true, force: true });
        else say(`service logs kept in ${logDir}`);
      },
    });
    if (opts.build) {
      say('npm run build…');
      execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 2, 2] });
    }
    const port = await freePort();
    const { env, adminToken } = benchServiceEnv({
      databaseUrl: databaseUrl(dbName),
      brokers: broker.brokers,
      prefix,
      port,
    });
    if (opts.maxInFlight !== null) env.MAX_IN_FLIGHT_PER_SERVICE = String(opts.maxInFlight);
    const running = new ServiceFleet(ROOT, logDir);
    fleet = running;
    cleanups.push({ what: 'services', run: () => running.stop() });
    running.start(env);
    const http = new JsonClient('127.0.0.1', port, 5000);
    cleanups.push({ what: 'http', run: () => http.close() });
    await running.waitReady(http, 120_000);
    say('ready');

    // Agents at their desks, visitors each with an assigned conversation (as in bench/flow).
    const agents = await mapLimit(Array.from({ length: opts.agents }), 5, (_, i) =>
      http.expect<{ token: string }>(
        201,
        'POST',
        '/v1/admin/agents',
        { name: `overload agent ${i + 1}`, chatCapacity: 20 },
        adminToken,
      ),
    );
    const assigned = new Set<string>();
    const desks: Socket[] = [];
    cleanups.push({ what: 'desks', run: () => desks.forEach((s) => s.close()) });
    await mapLimit(agents, 5, async (agent) => {
      const socket = io(`http://127.0.0.1:${port}/desk`, {
        auth: { token: agent.token },
        transports: ['websocket'],
        // What this process does not read is not parsed (the wire is the same).
        parser: skippingParser('/desk', ['message.created', 'conversation.updated']),
      });
      desks.push(socket);
      socket.on('conversation.assigned', (p: { conversation?: { id?: string } }) => {
        if (p?.conversation?.id) assigned.add(p.conversation.id);
      });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('desk.state not received in 15 s')), 15_000);
        socket.once('desk.state', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    });
    const visitors: Visitor[] = await mapLimit(Array.from({ length: opts.visitors }), 20, (_, i) =>
      http.expect<{ token: string }>(201, 'POST', '/v1/visitors', {
        channel: 'web_chat',
        name: `overload visitor ${i + 1}`,
        platform: 'web',
      }),
    );
    const conversations = await mapLimit(visitors, 10, async (v, i) => {
      for (let attempt = 1; ; attempt++) {
        const r = await http.request<{ conversationId: string }>(
          'POST',
          '/v1/visitor/messages',
          { text: `hello ${i}`, clientMessageId: `${runId}-hello-${i}` },
          v.token,
        );
        if (r.status === 201) return r.body.conversationId;
        if (attempt >= 10) throw new Error(`first message of visitor ${i}: ${r.status}`);
        await sleep(1000);
      }
    });
    if (!(await waitUntil(() => conversations.every((c) => assigned.has(c)), 60_000))) {
      say(`only ${conversations.filter((c) => assigned.has(c)).length} conversations assigned; going on`);
    }
    say(`${agents.length} agents at their desks, ${visitors.length} visitors with a conversation`);

    // The visitors' clients (support/overload-clients.ts): every POST of the run, and their retries.
    // Their POSTs go through a lean client: Node's http.request costs 3–4 times its CPU per request
    // (npm run bench:http-client-cost).
    const tokens = visitors.map((v) => v.token);
    const clients: ClientFleet =
      opts.clientProcesses > 0
        ? await forkClients(opts.clientProcesses, port, tokens, `${runId}-`, generatorNice())
        : inProcessClients(port, tokens, `${runId}-`);
    cleanups.push({ what: "visitors' clients", run: () => clients.stop() });
    let sent: Sent = { messages: [], attempts: [] };
    /**
     * The gateway's event-loop delay since the last scrape (prom-client resets its histogram at each
     * one), in ms: what every request it reads waits for, refusals included.
     */
    const gatewayLoop = async (): Promise<{
      p99: number;
      max: number;
      usualMs: number;
      bound: { first: number; retry: number };
    }> => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const seconds = (name: string, labels = '(?:\\{[^}]*\\})?') =>
        Number(new RegExp(`^${name}${labels} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
      const bound = (attempt: string) =>
        seconds(
          'pupitre_service_request_bound',
          `\\{[^}]*target="conversation"[^}]*attempt="${attempt}"[^}]*\\}`,
        );
      return {
        p99: 1000 * seconds('nodejs_eventloop_lag_p99_seconds'),
        max: 1000 * seconds('nodejs_eventloop_lag_max_seconds'),
        // What a client's retry is held to (REQUEST_RETRY_QUEUE_TARGET_MS beyond this), as the phase ends.
        usualMs:
          1000 * seconds('pupitre_service_usual_latency_seconds', '\\{[^}]*target="conversation"[^}]*\\}'),
        bound: { first: bound('first'), retry: bound('retry') },
      };
    };
    const loops = new Map<
      string,
      {
        gateway: Awaited<ReturnType<typeof gatewayLoop>>;
        generator: { p99: number; max: number; cpuMs: number };
        /** The phase's length, from its first send to its last (ms). */
        lengthMs: number;
        /** The CPU this process used meanwhile (ms): the desks' sockets, and the clients when they are here. */
        ownCpuMs: number;
        /** What the gateway's main thread did with each second (Linux schedstat). */
        gatewayThread: SchedRates | null;
        /** The same for its door thread, with HTTP_DOOR_THREAD (the thread named 'pupitre-door'). */
        doorThread: SchedRates | null;
      }
    >();
    const gatewayPid = running.pid('gateway');
    const doorTid = gatewayPid === undefined ? undefined : threadNamed(gatewayPid, 'pupitre-door');
    const gatewaySched = () => (gatewayPid === undefined ? null : threadSched(gatewayPid));
    const doorSched = () =>
      gatewayPid === undefined || doorTid === undefined ? null : threadSched(gatewayPid, doorTid);
    const rates = (a: ReturnType<typeof threadSched>, b: ReturnType<typeof threadSched>) =>
      a && b ? schedPerSecond(a, b) : null;
    const run = async (phase: string, rate: number, seconds: number, retrying: boolean) => {
      const n = Math.max(1, Math.round(rate * seconds));
      await gatewayLoop();
      const [sched0, door0] = [gatewaySched(), doorSched()];
      const own0 = process.cpuUsage();
      const { t0, loop } = await clients.run(phase, rate, n, retrying);
      const lengthMs = performance.now() - t0;
      const own = process.cpuUsage(own0);
      checkpoint();
      const [sched1, door1] = [gatewaySched(), doorSched()];
      loops.set(phase, {
        gateway: await gatewayLoop(),
        generator: loop,
        lengthMs,
        ownCpuMs: (own.user + own.system) / 1000,
        gatewayThread: rates(sched0, sched1),
        doorThread: rates(door0, door1),
      });
      return t0;
    };
    const firstAttempts = (phase: string) =>
      sent.attempts.filter((a) => a.phase === phase && a.attempt === 1);

    /** Until a few POSTs in a row answer 201 fast: the system is idle again after a step. */
    const settle = async (what: string) => {
      let inARow = 0;
      const t0 = performance.now();
      for (let i = 0; inARow < 3 && performance.now() - t0 < 120_000; i++) {
        checkpoint();
        const s = performance.now();
        const r = await http.request(
          'POST',
          '/v1/visitor/messages',
          { text: 'probe', clientMessageId: `${runId}-probe-${what}-${i}` },
          visitors[i % visitors.length].token,
        );
        inARow = r.status === 201 && performance.now() - s < 300 ? inARow + 1 : 0;
        await sleep(200);
      }
      say(`${what}: idle after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    };

    // 1. The sustainable rate: the highest step with every POST 201 and p99 under KEEPS_UP_P99_MS.
    const search: string[][] = [];
    let sustainable = opts.rate;
    if (sustainable === null) {
      sustainable = SEARCH_RATES[0];
      for (const rate of SEARCH_RATES) {
        await settle(`before search ${rate}/s`);
        const phase = `s${rate}`;
        await run(phase, rate, opts.probeSeconds, false);
        await clients.settled(60_000, phase);
        sent = await clients.record();
        const firsts = firstAttempts(phase);
        const ok = firsts.filter((a) => a.status === 201);
        const s = summarize(ok.map((a) => a.latencyMs));
        const keepsUp = ok.length === firsts.length && s.p99 <= KEEPS_UP_P99_MS;
        search.push([
          `${rate}/s`,
          String(firsts.length),
          String(firsts.length - ok.length),
          ms(s.p50),
          ms(s.p99),
          keepsUp ? 'yes' : 'no',
        ]);
        say(
          `search ${rate}/s: p99 ${ms(s.p99)}, ${firsts.length - ok.length} not 201 → ${keepsUp ? 'keeps up' : 'does not'}`,
        );
        if (!keepsUp) break;
        sustainable = rate;
      }
    }
    const half = sustainable / 2;
    const over = sustainable * opts.factor;
    await settle('before steady');
    // Connections open before the load rises, as a load balancer's to the gateway are: the overload's
    // burst then finds them in the pools, instead of opening hundreds at once (bench/README.md).
    const warmed = opts.warmConnections > 0 ? await clients.warm(opts.warmConnections) : null;
    const failures = warmed ? warmFailures(warmed) : '';
    if (warmed) {
      say(
        `${warmed.open} of ${opts.warmConnections} connections opened and left idle` +
          (failures ? `; the others: ${failures}` : ''),
      );
    }

    // What a phone sees of the overload: a client with its own CPU, not the generator's busy loop.
    // Started now, so that its process's start does not fall in the overload.
    const lone =
      opts.loneRate > 0
        ? await startLoneClient({
            port,
            tokens: visitors.map((v) => v.token),
            rate: opts.loneRate,
            seconds: opts.overloadSeconds,
            idPrefix: `${runId}-lone-`,
            nice: LONE_CLIENT_NICE,
            readinessRate: opts.readinessRate,
            probePort: healthPort() ?? port,
          })
        : null;
    if (lone) cleanups.push({ what: 'lone client', run: () => lone.stop() });

    // 2. Steady at half the rate; 3. overload, clients retrying; 4. back to half the rate.
    say(`steady: ${opts.steadySeconds} s at ${half}/s`);
    const steadyStart = await run('steady', half, opts.steadySeconds, true);
    say(
      `overload: ${opts.overloadSeconds} s at ${over}/s, clients retrying` +
        (lone ? `; a lone client at ${opts.loneRate}/s` : ''),
    );
    lone?.go();
    const overloadStart = await run('overload', over, opts.overloadSeconds, true);
    say(`recovery: ${opts.recoverySeconds} s at ${half}/s`);
    const recoveryStart = await run('recovery', half, opts.recoverySeconds, true);
    say('waiting for every retry to end…');
    const loneResult = lone ? await lone.result : null;
    await clients.settled(180_000);
    const lastAnswer = performance.now();
    sent = await clients.record();
    const { messages, attempts } = sent;
    await sleep(LATE_EFFECT_WAIT_MS); // anything applied late would be in the database by now
    checkpoint();

    // What is stored, from the conversation database.
    const db = new Client({ connectionString: databaseUrl(dbName) });
    await db.connect();
    const storedIds = new Set(
      (
        await db.query<{ id: string }>(
          `SELECT client_message_id AS id FROM conversation.messages WHERE client_message_id LIKE $1`,
          [`${runId}-%`],
        )
      ).rows.map((r) => r.id),
    );
    await db.end();

    // Figures.
    const measured = messages.filter((m) => ['steady', 'overload', 'recovery'].includes(m.phase));
    // Told it failed (last answer 503): must never be stored. With no answer at all (-1: the client
    // gave up after 60 s, a starved machine), either outcome is allowed: the client was told nothing.
    const lastRefused = measured.filter((m) => m.lastStatus === 503);
    const refusedButStored = lastRefused.filter((m) => storedIds.has(m.id));
    const unanswered = measured.filter((m) => m.lastStatus === -1);
    const acceptedNotStored = measured.filter((m) => m.lastStatus === 201 && !storedIds.has(m.id));
    const loadAttempts = attempts.filter((a) => ['steady', 'overload', 'recovery'].includes(a.phase));
    const refusals = loadAttempts.filter((a) => a.status === 503);
    const limited = rateLimitedWarning(
      attempts.filter((a) => a.status === 429).length +
        (loneResult?.tries.filter((t) => t.status === 429).length ?? 0),
    );
    const refusedS = summarize(refusals.map((a) => a.latencyMs));
    const atOnce = refusals.filter((a) => a.latencyMs < 1000).length;
    const steady = summarize(
      firstAttempts('steady')
        .filter((a) => a.status === 201)
        .map((a) => a.latencyMs),
    );

    // Windows of a phase `width` seconds long (by send time, first attempts): p99 of 201s, and how
    // many got another answer. `second`: where the window starts, in seconds into the phase; a last
    // window cut short by the phase's end is shorter.
    const perWindow = (phase: string, start: number, seconds: number, width: number) => {
      const firsts = firstAttempts(phase);
      return Array.from({ length: Math.ceil(seconds / width) }, (_, i) => {
        const [from, to] = [start + i * width * 1000, start + Math.min(seconds, (i + 1) * width) * 1000];
        const inWindow = firsts.filter((a) => a.sentAt >= from && a.sentAt < to);
        const ok = inWindow.filter((a) => a.status === 201).map((a) => a.latencyMs);
        const refused = inWindow.length - ok.length;
        return { second: i * width, n: inWindow.length, refused, p99: summarize(ok).p99 };
      });
    };
    const perSecond = (phase: string, start: number, seconds: number) => perWindow(phase, start, seconds, 1);
    const windows = perSecond('recovery', recoveryStart, opts.recoverySeconds);
    // Like for like: the recovery in windows as long as the steady phase, each over as many messages
    // as the steady p99 it is held against. One second's p99 rests on its slowest 1 % (six messages
    // at 600/s), and single seconds of the steady phase, with no overload at all, already stray far
    // from the phase's p99 (steadyRange).
    const longWindows = perWindow('recovery', recoveryStart, opts.recoverySeconds, opts.steadySeconds);
    // The same seconds of the steady phase: how far one second's p99 strays with no overload at all
    // (a slow second raises the phase's p99 too, so the range is printed, not a count against it).
    const steadyWindows = perSecond('steady', steadyStart, opts.steadySeconds);
    const steadyRange = extent(steadyWindows.map((w) => w.p99));
    type Window = (typeof windows)[number];
    /** A window's p99 of 201s, and its other answers when it had any. */
    const p99AndRefused = (w: Window) => `${ms(w.p99)}${w.refused ? `/${w.refused}×503` : ''}`;
    // From which second on every window satisfies `back` (null: not within the recovery).
    const backFrom = (back: (w: Window) => boolean): number | null => {
      for (let s = 0; s < windows.length; s++) if (windows.slice(s).every(back)) return s;
      return null;
    };
    const fast = (w: Window) => w.n > w.refused && w.p99 <= 2 * steady.p99;
    // The issue's measure: the latency of what is served. The stricter one adds "no refusal": while
    // clients still retry what was refused during the overload, new messages can be refused too.
    const latencyBackAfter = backFrom(fast);
    // Also when it first came back, and the seconds over it after that: one slow second late in the
    // recovery moves the strict figure by as much as twenty seconds, while a first return can come
    // before the overload's backlog has been served.
    const firstBack = windows.findIndex(fast);
    const overAfterFirstBack = firstBack < 0 ? [] : windows.slice(firstBack).filter((w) => !fast(w));
    const backAfter = backFrom((w) => w.refused === 0 && fast(w));
    // The retries' arithmetic: what the overload left for the recovery to serve. A message refused
    // during the overload comes back while its client retries (until a 201, MAX_ATTEMPTS or 60 s), on
    // top of the recovery's new messages.
    const answeredAt = (a: Attempt) => a.sentAt + a.latencyMs;
    const servedBy = new Map<number, number>(); // message → when its 201 came
    for (const a of attempts) if (a.status === 201) servedBy.set(a.message, answeredAt(a));
    // When each overload message got its 201, on this process's clock (Infinity: never).
    const overloadServedAt = messages.flatMap((m, i) =>
      m.phase === 'overload' ? [servedBy.get(i) ?? Infinity] : [],
    );
    const backlogAtDrop = overloadServedAt.filter((t) => t >= recoveryStart).length;
    const servedPerSecond =
      attempts.filter(
        (a) => a.status === 201 && answeredAt(a) >= overloadStart && answeredAt(a) < recoveryStart,
      ).length /
      ((recoveryStart - overloadStart) / 1000);
    const recoveryEnd = recoveryStart + opts.recoverySeconds * 1000;
    const retriesInRecovery = attempts.filter(
      (a) => a.phase === 'overload' && a.sentAt >= recoveryStart && a.sentAt < recoveryEnd,
    ).length;
    // When the backlog's 201s came, in seconds after the drop (half of them, 90 %, all).
    const backlogServed = Float64Array.from(
      overloadServedAt.filter((t) => t >= recoveryStart && t < Infinity),
      (t) => (t - recoveryStart) / 1000,
    ).sort();
    const backlogQuantile = (q: number) => {
      const s = quantile(backlogServed, q);
      return Number.isFinite(s) ? `${s.toFixed(1)} s` : '-';
    };
    const after = (s: number | null) =>
      s === null ? 'NOT within the recovery' : `${s} s after the load dropped`;

    const phaseRows = ['steady', 'overload', 'recovery'].map((phase) => {
      const msgs = messages.filter((m) => m.phase === phase);
      const att = attempts.filter((a) => a.phase === phase);
      const ok = att.filter((a) => a.status === 201);
      const s = summarize(ok.map((a) => a.latencyMs));
      return [
        phase,
        String(msgs.length),
        String(att.length),
        String(att.filter((a) => a.status === 503).length),
        String(att.filter((a) => a.status !== 201 && a.status !== 503).length),
        String(msgs.filter((m) => m.lastStatus === 201).length),
        ms(s.p50),
        ms(s.p99),
      ];
    });
    const uptimeAfter = uptime();
    /** A thread's seconds in each phase (`schedPerSecond`), or '-' where the kernel keeps no schedstat. */
    const schedByPhase = (thread: 'gatewayThread' | 'doorThread') =>
      ['steady', 'overload', 'recovery']
        .map((phase) => {
          const t = loops.get(phase)?.[thread];
          return t
            ? `${phase}: ${ms(t.ranMs)} / ${ms(t.waitedMs)} (${Math.round(t.slices)}, ` +
                `${ms(t.waitedMs / t.slices)}; ${Math.round(t.voluntary)} / ${Math.round(t.involuntary)})`
            : `${phase}: -`;
        })
        .join('; ');
    const out = [
      `bench/overload run ${runId}, ${new Date().toISOString()}`,
      `machine: ${os.cpus().length} cores; before: ${uptimeBefore}`,
      `                         after:  ${uptimeAfter}`,
      `         ${describeYardstick(yardstick)}`,
      `system: ${opts.agents} agents at their desks, ${opts.visitors} visitors; gateway MAX_IN_FLIGHT_PER_SERVICE ${opts.maxInFlight ?? 'default'}, production timeouts; ${fleet?.priorities ?? ''}; ${clients.described}` +
        (warmed
          ? `, ${warmed.open} connections opened before the steady phase (--warm-connections ${opts.warmConnections}` +
            (failures ? `; the others: ${failures})` : ')')
          : ''),
      `database: PostgreSQL ${await databaseSettings()}`,
      '',
      search.length > 0
        ? `sustainable rate search (${opts.probeSeconds} s steps; keeps up: every POST 201 and p99 ≤ ${KEEPS_UP_P99_MS} ms):\n` +
          table(['rate', 'POSTs', 'not 201', 'p50', 'p99', 'keeps up'], search)
        : `sustainable rate given: ${sustainable}/s`,
      '',
      `sustainable S = ${sustainable}/s; steady ${half}/s for ${opts.steadySeconds} s, overload ${over}/s${lone ? ` (+ a lone client at ${opts.loneRate}/s, below)` : ''} for ${opts.overloadSeconds} s (clients retry as the SDK: full jitter under ${DEFAULT_BACKOFF.baseMs}·2^(n−1) ms for retry n, at least Retry-After spread to 1.5×, X-Attempt on each retry, ≤ ${MAX_ATTEMPTS} attempts), recovery ${half}/s for ${opts.recoverySeconds} s`,
      table(
        ['phase', 'messages', 'POSTs', '503', 'other', 'stored (last 201)', 'p50 201', 'p99 201'],
        phaseRows,
      ),
      '',
      `refused POSTs (503): ${refusals.length}, ${atOnce} within 1 s; p50 ${ms(refusedS.p50)}, p99 ${ms(refusedS.p99)}, max ${ms(refusedS.max)}   (goal p99 < 50 ms)`,
      ...REFUSAL_KINDS.flatMap((kind) => {
        const these = refusals.filter((a) => a.refusal === kind);
        if (!ALWAYS_PRINTED.includes(kind) && these.length === 0) return [];
        const t = summarize(these.map((a) => a.latencyMs));
        return [
          `  ${REFUSAL_LABELS[kind]}: ${these.length}${these.length > 0 ? `; p50 ${ms(t.p50)}, p99 ${ms(t.p99)}, max ${ms(t.max)}` : ''}`,
        ];
      }),
      (() => {
        // Where the slowest refusals' time went, on this side of the wire.
        const slow = refusals.filter((a) => a.latencyMs >= refusedS.p99);
        const part = (f: (a: Attempt) => number | undefined) =>
          summarize(slow.map(f).filter((v): v is number => v !== undefined)).p50;
        return (
          `  the slowest 1 % (${slow.length}), median of: waiting for a socket in this process ` +
          `${ms(part((a) => a.queuedMs))}, opening it ${ms(part((a) => a.connectingMs))}; ` +
          `new connections among them: ${slow.filter(onNewConnection).length}`
        );
      })(),
      (() => {
        // A new connection waits for a turn of the gateway's loop to be accepted and another to be read.
        const fresh = refusals.filter(onNewConnection);
        const open = summarize(refusals.filter((a) => !onNewConnection(a)).map((a) => a.latencyMs));
        const opened = summarize(fresh.map((a) => a.latencyMs));
        return (
          `  on connections already open: p50 ${ms(open.p50)}, p99 ${ms(open.p99)}; ` +
          `on new ones (${fresh.length}): p50 ${ms(opened.p50)}, p99 ${ms(opened.p99)}`
        );
      })(),
      ...(loneResult ? describeLone(loneResult, storedIds, opts.loneRate, opts.overloadSeconds) : []),
      `clientMessageIds whose last answer was 503: ${lastRefused.length}; of them stored anyway: ${refusedButStored.length}   (goal 0)`,
      ...(unanswered.length > 0
        ? [
            `clientMessageIds the client gave up on with no answer (60 s): ${unanswered.length}; stored: ${unanswered.filter((m) => storedIds.has(m.id)).length}`,
          ]
        : []),
      `clientMessageIds answered 201 but not stored: ${acceptedNotStored.length}   (must be 0)`,
      ...(limited ? [limited] : []),
      `event-loop delay while sending, p99 / max: ` +
        ['steady', 'overload', 'recovery']
          .map((phase) => {
            const l = loops.get(phase);
            return l
              ? `${phase}: gateway ${ms(l.gateway.p99)} / ${ms(l.gateway.max)}, ` +
                  `${opts.clientProcesses > 0 ? "the visitors' clients (the worst process)" : 'load generator'} ` +
                  `${ms(l.generator.p99)} / ${ms(l.generator.max)}`
              : `${phase}: -`;
          })
          .join('; '),
      `CPU, ms a second of each phase, of the bench's own process (the desks' sockets` +
        (opts.clientProcesses > 0
          ? `) / of the visitors' clients' ${opts.clientProcesses} processes: `
          : `, the visitors' clients): `) +
        ['steady', 'overload', 'recovery']
          .map((phase) => {
            const l = loops.get(phase);
            if (!l) return `${phase} -`;
            const perSecond = (cpuMs: number) => ms((1000 * cpuMs) / l.lengthMs);
            return opts.clientProcesses > 0
              ? `${phase} ${perSecond(l.ownCpuMs)} / ${perSecond(l.generator.cpuMs)}`
              : `${phase} ${perSecond(l.ownCpuMs)}`;
          })
          .join(', '),
      `the gateway's main thread (its event loop) per second of each phase, on a core / runnable but ` +
        `waiting for one (its turns on a core, the mean wait before each; switches off a core, because it ` +
        `slept / was preempted): ` +
        schedByPhase('gatewayThread'),
      ...(doorTid === undefined
        ? []
        : [`the gateway's door thread (HTTP_DOOR_THREAD), the same: ${schedByPhase('doorThread')}`]),
      `conversation as each phase ended, as the gateway saw it (usual latency; in-flight bound, first try / retry): ` +
        ['steady', 'overload', 'recovery']
          .map((phase) => {
            const g = loops.get(phase)?.gateway;
            return g ? `${phase}: ${ms(g.usualMs)}; ${g.bound.first} / ${g.bound.retry}` : `${phase}: -`;
          })
          .join('; '),
      `steady p99 (201, first attempts): ${ms(steady.p99)}` +
        (steadyRange ? `; per second of the steady phase ${ms(steadyRange[0])}–${ms(steadyRange[1])}` : '') +
        '; recovery per second (p99 of 201 / refused):',
      '  ' + windows.map((w) => `${w.second}s ${p99AndRefused(w)}`).join(', '),
      `p99 of what is served (201) back within 2× steady (${ms(2 * steady.p99)}): ${after(latencyBackAfter)}   (goal ≤ 10 s)`,
      `… and no refusal of a new message either: ${after(backAfter)}`,
      `  in windows as long as the steady phase (${opts.steadySeconds} s), p99 of 201 / refused: ` +
        longWindows
          .map(
            (w) =>
              `${w.second}–${Math.min(opts.recoverySeconds, w.second + opts.steadySeconds)} s ` +
              `${p99AndRefused(w)}${fast(w) ? ' (within 2×)' : ''}`,
          )
          .join(', '),
      `  first back within 2× steady: ${firstBack < 0 ? 'never' : `${firstBack} s after the drop`}; ` +
        `seconds over it since: ${overAfterFirstBack.length === 0 ? 'none' : overAfterFirstBack.map((w) => `${w.second}s`).join(', ')}`,
      `last answer ${((lastAnswer - recoveryStart) / 1000).toFixed(1)} s after the drop; database read ${LATE_EFFECT_WAIT_MS / 1000} s after it`,
      `retry backlog at the drop: ${backlogAtDrop} overload messages not yet answered 201 (still in flight, or to be retried); ` +
        `201s served during the overload: ${servedPerSecond.toFixed(0)}/s`,
      `  their retries sent during the recovery: ${retriesInRecovery} (${(retriesInRecovery / opts.recoverySeconds).toFixed(0)}/s on top of ${half}/s new); ` +
        `${backlogServed.length} of them served, their 201s by ${backlogQuantile(0.5)} (half), ${backlogQuantile(0.9)} (90 %), ${backlogQuantile(1)} (the last) after the drop`,
    ];
    process.stdout.write(`${out.join('\n')}\n`);
    const problems = running.problems(10);
    if (problems.length > 0)
      process.stdout.write(`service warnings/errors (first 10):\n  ${problems.join('\n  ')}\n`);
    return 0;
  } catch (err) {
    failed = true;
    say(`failed: ${(err as Error).stack ?? String(err)}`);
    if (fleet) say(fleet.tails());
    return 1;
  } finally {
    for (const c of cleanups.reverse()) {
      try {
        await c.run();
      } catch (err) {
        say(`cleanup ${c.what}: ${(err as Error).message}`);
      }
    }
  }
}

/**
 * The lone client's figures: its refusals (what the goal means, seen from a phone), its 201s, and
 * whether what it was told holds in the database.
 */
function describeLone(result: LoneResult, storedIds: Set<string>, rate: number, seconds: number): string[] {
  const refused = result.tries.filter((t) => t.status === 503);
  const served = result.tries.filter((t) => t.status === 201);
  const unanswered = result.tries.filter((t) => t.status === -1);
  const other = result.tries.length - refused.length - served.length - unanswered.length;
  const percentiles = (tries: LoneTry[]) => {
    const s = summarize(tries.map((t) => t.latencyMs));
    return `p50 ${ms(s.p50)}, p99 ${ms(s.p99)}, max ${ms(s.max)}`;
  };
  const stored = (tries: LoneTry[]) => tries.filter((t) => storedIds.has(t.clientMessageId)).length;
  const nice = `nice ${result.nice}${result.niceRefused ? ` (${LONE_CLIENT_NICE} refused: ${result.niceRefused})` : ''}`;
  return [
    `a lone client (a process of its own, its threads at ${nice}; ${rate}/s through the overload's ${seconds} s, one try each; its own event-loop delay p99 ${ms(result.loopP99Ms)}):`,
    `  refused (503) ${refused.length}: ${percentiles(refused)}   (what a phone sees of the goal p99 < 50 ms)` +
      `; on new connections ${refused.filter((t) => t.newConnection).length} of them` +
      ` (on connections already open: p99 ${ms(summarize(refused.filter((t) => !t.newConnection).map((t) => t.latencyMs)).p99)})`,
    `  served (201) ${served.length}: ${percentiles(served)}` +
      (other > 0 ? `; other answers ${other}` : '') +
      (unanswered.length > 0 ? `; no answer ${unanswered.length} (stored: ${stored(unanswered)})` : ''),
    `  refused but stored: ${stored(refused)} (goal 0); served but not stored: ${served.length - stored(served)} (must be 0)`,
    ...describeReadiness(result.probes, seconds, healthPort()),
  ];
}

/**
 * Its readiness probes: whether the gateway stays ready through the overload (it is: only load), and
 * how long a balancer's check waits for its answer (docs/operations.md: a probe never queues behind
 * the work, beyond the gateway's loop).
 */
function describeReadiness(probes: LoneProbe[], seconds: number, probePort: number | undefined): string[] {
  if (probes.length === 0) return [];
  const byStatus = new Map<number, number>();
  for (const p of probes) byStatus.set(p.status, (byStatus.get(p.status) ?? 0) + 1);
  const answers = [...byStatus]
    .map(([status, n]) => `${status === -1 ? 'no answer' : status} ×${n}`)
    .join(', ');
  const s = summarize(probes.map((p) => p.latencyMs));
  return [
    `  its readiness probes (GET ${READINESS_PATH}` +
      (probePort === undefined ? '' : ` on the probes' port, HEALTH_PORT ${probePort}`) +
      `, a new connection each, ${probes.length / seconds}/s through the overload): ` +
      `${answers}; p50 ${ms(s.p50)}, p99 ${ms(s.p99)}, max ${ms(s.max)}`,
  ];
}

/** The gateway's probes' own port (HEALTH_PORT, passed on to it from this process's environment), if set. */
function healthPort(): number | undefined {
  const port = Number(process.env.HEALTH_PORT);
  return process.env.HEALTH_PORT && Number.isInteger(port) && port > 0 ? port : undefined;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
