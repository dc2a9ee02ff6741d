import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { JsonClient } from './http';
import { setProcessNice } from './cpu';
import { BENCH_LIMITS } from './limits';
import { checkpoint, sleep } from './open-loop';

export const SERVICES = ['conversation', 'routing', 'billing', 'gateway'] as const;

/** bootService's last line of a start: "<service> is consuming (…)". */
const CONSUMING = /\bis consuming \(/;
/** Terminal colour codes in Nest's log lines. */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
export type ServiceName = (typeof SERVICES)[number];

export interface RunningService {
  name: ServiceName;
  child: ChildProcess;
  logFile: string;
}

/**
 * The four services as separate processes from dist/ (like scripts/start.js), each logging to its own
 * file. `exited` names a service that stopped on its own, so waits can fail fast.
 */
export class ServiceFleet {
  readonly services: RunningService[] = [];
  exited: string | null = null;
  /** How the run's processes share the CPU, for the report's conditions. */
  readonly priorities = describePriorities();
  private stopping = false;
  /** The environment `start` was given, for `restart`. */
  private env: NodeJS.ProcessEnv | null = null;
  /** This process's nice value when `start` spawned the services (restarted ones get it too). */
  private ownNice = 0;
  /** Processes `restart` stopped: their exit is not a service stopping on its own. */
  private readonly replaced = new Set<ChildProcess>();

  constructor(
    private readonly root: string,
    private readonly logDir: string,
  ) {}

  /**
   * Runs the topics step first (services wait for their topics; they never create them), then the
   * four services; then, with BENCH_GATEWAY_NICE, raises the gateway's and this process's priority
   * (after the spawns: children inherit it).
   */
  start(env: NodeJS.ProcessEnv): void {
    this.env = env;
    this.ownNice = os.getPriority();
    execFileSync(process.execPath, [join(this.root, 'dist/libs/shared/src/kafka/topics.main.js')], {
      cwd: this.root,
      env,
      stdio: ['ignore', 2, 2],
    });
    for (const name of SERVICES) this.services.push(this.spawn(name, env));
    this.prioritise('load generator', process.pid, generatorNice());
  }

  /**
   * Stops these services (the gateway first, as `stop` does) and starts each again with the same
   * environment, node arguments and priority, appending to its log: fresh processes (JIT, heaps,
   * database sessions) on a broker and database that keep what earlier load left there. Resolves once
   * each has logged that it is consuming (bootService's last line): the gateway's /health/ready alone
   * would not do, as it reads the services' heartbeats, and one sent before the stop keeps a back end
   * "up" there for READINESS_MAX_HEARTBEAT_AGE_MS. Returns how long the stop took, in ms.
   */
  async restart(names: readonly ServiceName[], timeoutMs: number): Promise<number> {
    const env = this.env;
    if (!env) throw new Error('restart before start');
    const chosen = this.services.filter((s) => names.includes(s.name));
    for (const s of chosen) this.replaced.add(s.child);
    const t0 = performance.now();
    await this.stopInOrder(chosen);
    const stoppedMs = performance.now() - t0;
    // Interrupted meanwhile: what would be spawned now, nothing would stop.
    if (this.stopping) return stoppedMs;
    // Children inherit this process's nice value, which start() set after its spawns: spawn at the
    // value start() spawned at, then take the generator's back.
    this.prioritise('load generator (for the spawns)', process.pid, this.ownNice, true);
    // Each restarted service's log, and its size before the spawn (the new process appends to it).
    const starting = new Map(chosen.map((s) => [s.name, { logFile: s.logFile, since: logSize(s.logFile) }]));
    for (const s of chosen) this.services[this.services.indexOf(s)] = this.spawn(s.name, env);
    this.prioritise('load generator', process.pid, generatorNice());
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      checkpoint();
      if (this.exited) throw new Error(`${this.exited} before it was consuming again`);
      for (const [name, { logFile, since }] of starting) {
        if (CONSUMING.test(logSince(logFile, since))) starting.delete(name);
      }
      if (starting.size === 0) return stoppedMs;
      if (performance.now() > deadline) {
        throw new Error(
          `not consuming ${timeoutMs / 1000} s after the restart: ${[...starting.keys()].join(', ')}`,
        );
      }
      await sleep(100);
    }
  }

  private spawn(name: ServiceName, env: NodeJS.ProcessEnv): RunningService {
    const logFile = join(this.logDir, `${name}.log`);
    const fd = openSync(logFile, 'a');
    const child = spawn(
      process.execPath,
      [...serviceNodeArgs(name), '--enable-source-maps', join(this.root, `dist/apps/${name}/src/main.js`)],
      {
        cwd: this.root,
        env,
        stdio: ['ignore', fd, fd],
      },
    );
    closeSync(fd);
    if (name === 'gateway') this.prioritise(name, child.pid, gatewayNice());
    child.on('exit', (code, signal) => {
      if (!this.stopping && !this.replaced.has(child)) this.exited ??= `${name} exited (${signal ?? code})`;
    });
    return { name, child, logFile };
  }

  /**
   * BENCH_GATEWAY_NICE: the gateway (the door, which must answer and refuse while the services behind
   * it are saturated) and the load generator (clients on other machines, whose own waits for the CPU
   * should not count) get the CPU before the back ends. Off by default: it trades the back ends'
   * latency for the door's (bench/README.md).
   */
  private prioritise(what: string, pid: number | undefined, nice: number, evenToZero = false): void {
    if ((nice === 0 && !evenToZero) || pid === undefined) return;
    try {
      // This process: every thread of it (its collector's helpers too: support/cpu.ts).
      if (pid === process.pid) setProcessNice(nice);
      else os.setPriority(pid, nice);
    } catch (err) {
      process.stderr.write(
        `[bench] could not set the ${what}'s priority (nice ${nice}): ${(err as Error).message}\n`,
      );
    }
  }

  pid(name: ServiceName): number | undefined {
    return this.services.find((s) => s.name === name)?.child.pid;
  }

  async waitReady(http: JsonClient, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    let last = 'no answer yet';
    for (;;) {
      checkpoint();
      if (this.exited) throw new Error(`${this.exited} before the system was ready`);
      try {
        const res = await http.request('GET', '/health/ready', undefined, undefined, 3000);
        if (res.status === 200) return;
        last = `${res.status} ${JSON.stringify(res.body)}`;
      } catch (err) {
        last = (err as Error).message;
      }
      if (performance.now() > deadline) throw new Error(`not ready in ${timeoutMs / 1000} s (last: ${last})`);
      await sleep(300);
    }
  }

  /** The gateway first (it tells routing its desks are gone), then the others; SIGKILL after 10 s. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.stopInOrder(this.services);
  }

  /** The gateway first (it tells routing its desks are gone), then the others together. */
  private async stopInOrder(services: readonly RunningService[]): Promise<void> {
    const gateway = services.find((s) => s.name === 'gateway');
    if (gateway) await this.stopChild(gateway);
    await Promise.all(services.filter((s) => s !== gateway).map((s) => this.stopChild(s)));
  }

  /** SIGTERM, then SIGKILL after 10 s (said on stderr); resolves once the process has exited. */
  private stopChild({ name, child: c }: RunningService): Promise<void> {
    return new Promise<void>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) return resolve();
      const kill = setTimeout(() => {
        process.stderr.write(`[bench] ${name} still running 10 s after SIGTERM: SIGKILL\n`);
        c.kill('SIGKILL');
      }, 10_000);
      c.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      c.kill('SIGTERM');
    });
  }

  /** The last lines of every log, for a failure report. */
  tails(lines = 15): string {
    return this.services
      .map((s) => {
        let text = '';
        try {
          text = readFileSync(s.logFile, 'utf8');
        } catch {
          text = '(no log)';
        }
        const tail = text.trimEnd().split('\n').slice(-lines).join('\n  ');
        return `--- ${s.name} (${s.logFile})\n  ${tail}`;
      })
      .join('\n');
  }

  /** Lines of all the logs matching `re` (e.g. one kind of warning), to count them per step. */
  countLines(re: RegExp): number {
    let n = 0;
    for (const s of this.services) {
      try {
        for (const line of readFileSync(s.logFile, 'utf8').split('\n')) if (re.test(line)) n++;
      } catch {
        // no log yet
      }
    }
    return n;
  }

  /** Warnings and errors the services logged (to judge a run), at most `max`. */
  problems(max = 20): string[] {
    const out: string[] = [];
    for (const s of this.services) {
      let text = '';
      try {
        text = readFileSync(s.logFile, 'utf8');
      } catch {
        continue;
      }
      for (const line of text.split('\n')) {
        if (/\b(WARN|ERROR)\b/.test(line) && !/is not set: using the development default/.test(line)) {
          out.push(`${s.name}: ${line.replace(ANSI, '').slice(0, 240)}`);
        }
      }
    }
    return out.slice(0, max).concat(out.length > max ? [`… and ${out.length - max} more`] : []);
  }
}

/**
 * Extra node arguments for the services, from BENCH_SERVICE_NODE_ARGS (split on spaces; `{name}` is
 * the service's name), e.g. to profile them during a run:
 *   BENCH_SERVICE_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof/{name}' npm run bench:flow -- …
 * Profiles are written when the services stop, at the end of the run or at a restart. BENCH_<NAME>_NODE_ARGS (e.g.
 * BENCH_GATEWAY_NODE_ARGS) adds arguments for that service alone, after those.
 */
function serviceNodeArgs(name: string): string[] {
  const split = (raw: string | undefined) =>
    raw?.trim()
      ? raw
          .trim()
          .split(/\s+/)
          .map((a) => a.replaceAll('{name}', name))
      : [];
  return [
    ...split(process.env.BENCH_SERVICE_NODE_ARGS),
    ...split(process.env[`BENCH_${name.toUpperCase()}_NODE_ARGS`]),
  ];
}

/** BENCH_GATEWAY_NICE, an integer from -20 to 19; unset or 0: every process at the same priority. */
function gatewayNice(): number {
  return niceOf('BENCH_GATEWAY_NICE') ?? 0;
}

/**
 * BENCH_GENERATOR_NICE: the load generator's alone (every thread of this process and of its client
 * processes: support/cpu.ts, setProcessNice), so that its own waits for the CPU stay out of what it
 * measures, as for clients on other machines; unset: BENCH_GATEWAY_NICE's.
 */
export function generatorNice(): number {
  return niceOf('BENCH_GENERATOR_NICE') ?? gatewayNice();
}

function niceOf(name: string): number | undefined {
  const raw = process.env[name]?.trim();
  if (!raw) return undefined;
  const nice = Number(raw);
  if (!Number.isInteger(nice) || nice < -20 || nice > 19) {
    throw new Error(`${name} must be an integer from -20 to 19, not ${raw}`);
  }
  return nice;
}

function describePriorities(): string {
  const [gateway, generator] = [gatewayNice(), generatorNice()];
  const door =
    process.env.HTTP_DOOR_THREAD === 'true'
      ? `; the gateway's door thread on (HTTP_DOOR_THREAD), at nice ${process.env.HTTP_DOOR_THREAD_NICE ?? -20}` +
        (Number(process.env.HTTP_DOOR_THREAD_FIFO ?? 0) > 0
          ? ` and SCHED_FIFO ${process.env.HTTP_DOOR_THREAD_FIFO} (HTTP_DOOR_THREAD_FIFO)`
          : '')
      : '';
  const refusing = Number(process.env.GATEWAY_REFUSING_NICE ?? 0);
  // Behind the door thread the main thread does not refuse: the option has no effect there.
  const raised =
    refusing && !door ? `; the gateway's main thread at nice ${refusing} while its door refuses` : '';
  return describeNice(gateway, generator) + door + raised;
}

function describeNice(gateway: number, generator: number): string {
  if (gateway === 0 && generator === 0) return 'every process at the same CPU priority';
  if (gateway === generator) return `the gateway and the load generator at nice ${gateway}, the rest at 0`;
  return `the gateway at nice ${gateway}, the load generator at nice ${generator}, the rest at 0`;
}

/** A bench whose answers include a 429 measured the limiter, not overload: its figures are void. */
export function rateLimitedWarning(count429: number): string | null {
  if (count429 === 0) return null;
  process.exitCode = 1;
  return `  INVALID: ${count429} answer(s) were 429 RATE_LIMITED — the gateway's limits, not overload; raise BENCH_LIMITS`;
}

/**
 * The services' environment for a benchmark run: its own database, topic prefix and port, fresh
 * secrets, the registration limit out of the way (the bench's visitors register from one address:
 * a 429 must never stand in for what is measured), and production timings — whatever the caller's
 * shell has for them is dropped.
 */
export function benchServiceEnv(o: {
  databaseUrl: string;
  brokers: string[];
  prefix: string;
  port: number;
}): { env: NodeJS.ProcessEnv; adminToken: string } {
  const adminToken = randomBytes(24).toString('hex');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: o.databaseUrl,
    KAFKA_BROKERS: o.brokers.join(','),
    KAFKA_TOPIC_PREFIX: o.prefix,
    PORT: String(o.port),
    ADMIN_TOKEN: adminToken,
    JWT_SECRET: randomBytes(32).toString('hex'),
    ...BENCH_LIMITS,
  };
  for (const name of [
    'FIRST_RESPONSE_TIMEOUT_MS',
    'RESPONSE_TIMEOUT_MS',
    'REQUEST_TIMEOUT_MS',
    'REQUEST_DEADLINE_MARGIN_MS',
    'MAX_IN_FLIGHT_PER_SERVICE',
    'REQUEST_QUEUE_TARGET_MS',
    'KAFKA_MAX_WAIT_MS',
    'KAFKA_SESSION_TIMEOUT_MS',
    'KAFKA_HEARTBEAT_INTERVAL_MS',
    'NODE_ENV',
  ]) {
    delete env[name];
  }
  return { env, adminToken };
}

function logSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** What a log gained past `offset` (a log of this run: appended to, never truncated). */
function logSince(file: string, offset: number): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const buf = Buffer.alloc(Math.max(0, logSize(file) - offset));
    const n = readSync(fd, buf, 0, buf.length, offset);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
