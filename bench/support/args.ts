import { SERVICES, type ServiceName } from './services';

/** Command-line options of `npm run bench:flow -- --rates 100,250,500,1000 --seconds 30 ...`. */
export interface FlowOptions {
  /** Visitor messages per second, scheduled open-loop, one measured step each, in this order. */
  rates: number[];
  /** Seconds of measured load at each rate. */
  seconds: number;
  /** Seconds of unmeasured load first (JIT, pools, caches), at min(first rate, 100)/s. */
  warmup: number;
  /**
   * Seconds of unmeasured load at the highest of `rates` after the warm-up (system and floor alike),
   * then idle again before the first step: the JIT, heaps and pools warm at the rates measured, not
   * at 100/s; 0: none. What it got (201s, 503s) is in the header, not in any step's figures.
   */
  warmupPeak: number;
  /**
   * Services stopped and started again after the warm-ups, before the first step: fresh processes
   * (JIT, heaps, database sessions) on a broker and database that keep what the warm-ups left; to
   * tell which side a first step's cost is on. Empty: none.
   */
  restartAfterWarmup: ServiceName[];
  /**
   * The services' database sessions ended after the warm-ups (and any restart), before the first step:
   * the database side of a restart (sessions, their caches and prepared statements) alone.
   */
  endSessionsAfterWarmup: boolean;
  /**
   * The services' database sessions ended just before the first step at this rate (after its settle,
   * before its floor): fresh sessions for a step whose processes are warm. Null: never.
   */
  endSessionsBeforeRate: number | null;
  agents: number;
  visitors: number;
  /** Share of visitors on `mobile_app` (the rest on `web_chat`). */
  mobileShare: number;
  /** Seconds to wait after a step's last send for what is still in flight; later is undelivered. */
  grace: number;
  /** Before each step, at most this many seconds for the system to be back to idle (probe messages). */
  settle: number;
  /** Keep-alive sockets of the load generator's HTTP agent (open loop: high enough never to queue). */
  sockets: number;
  /**
   * Keep-alive connections the load generator holds open to the gateway before each step, as a load
   * balancer's pool would; 0: it opens them as the step needs them (a first step at a rate opens
   * hundreds while it runs). The lean client only.
   */
  warmConnections: number;
  /** Each agent answers each conversation once before the load: R10 governs, R9 never fires. */
  agentReplied: boolean;
  /**
   * Share of the measured visitor messages (0..1) that the desk receiving them answers at once
   * (`message.send`), so that agents' messages come at a rate too; 0: agents stay silent in the load.
   */
  agentAnswers: number;
  /** FIRST_RESPONSE_TIMEOUT_MS for routing (R9); unset: the production default (5 min). */
  firstResponseTimeoutMs: number | null;
  /** KAFKA_MAX_WAIT_MS for the services and the floor; unset: the production default (500). */
  kafkaMaxWaitMs: number | null;
  build: boolean;
  floor: boolean;
  keepLogs: boolean;
  /**
   * The load through Node's http.request and Agent, and the desks parsing every event: the generator
   * before session 26, for comparing (at 1,000/s it cost this process 22–28 % of a core, against
   * 15–18 %).
   */
  nodeClient: boolean;
}

export const DEFAULTS: FlowOptions = {
  rates: [100, 250, 500, 1000],
  seconds: 30,
  warmup: 5,
  warmupPeak: 0,
  restartAfterWarmup: [],
  endSessionsAfterWarmup: false,
  endSessionsBeforeRate: null,
  agents: 50,
  visitors: 200,
  mobileShare: 0.1,
  grace: 15,
  settle: 240,
  sockets: 5000,
  warmConnections: 0,
  agentReplied: true,
  agentAnswers: 0,
  firstResponseTimeoutMs: null,
  kafkaMaxWaitMs: null,
  build: true,
  floor: true,
  keepLogs: false,
  nodeClient: false,
};

export const USAGE = `usage: npm run bench:flow -- [options]
  --rates R,R,...   visitor messages/s, open loop, one step each   (${DEFAULTS.rates.join(',')})
  --seconds S       seconds of measured load at each rate          (${DEFAULTS.seconds})
  --warmup S        seconds of unmeasured load first               (${DEFAULTS.warmup})
  --warmup-peak S   then seconds of unmeasured load at the highest rate, so that the
                    first step at it does not meet cold JITs, heaps and pools (${DEFAULTS.warmupPeak})
  --restart-after-warmup NAME,...
                    then stop and start these services again (gateway, conversation,
                    routing, billing, or all): fresh processes on a broker and database
                    that keep what the warm-ups left                 (none)
  --end-sessions-after-warmup
                    then end the services' database sessions (pg_terminate_backend):
                    their pools open new ones; the processes keep the rest (off)
  --end-sessions-before RATE
                    the same just before the first step at that rate, after its
                    settle and before its floor (the relays reconnect meanwhile) (never)
  --agents N        agents at their desks, chatCapacity 20 each    (${DEFAULTS.agents})
  --visitors N      visitors, each with one assigned conversation  (${DEFAULTS.visitors})
  --mobile-share F  share of visitors on mobile_app, 0..1          (${DEFAULTS.mobileShare})
  --grace S         wait after a step's last send; later = undelivered (${DEFAULTS.grace})
  --settle S        max wait before a step for the system to be idle again (${DEFAULTS.settle})
  --sockets N       keep-alive HTTP sockets of the load generator  (${DEFAULTS.sockets})
  --warm-connections N
                    keep-alive connections opened to the gateway before each step, as a
                    load balancer's pool holds them   (${DEFAULTS.warmConnections})
  --first-response-timeout-ms N
                    routing's R9 timeout (default: production, 5 min); given, agents do not
                    reply first, so conversations move between agents every N ms
  --no-agent-replied
                    agents do not answer each conversation once before the load (by default
                    they do: R10, 12 h, then governs and R9 never fires during the run)
  --agent-answers F share of measured visitor messages the receiving desk answers at
                    once (message.send), 0..1: agents' messages at F × the rate  (${DEFAULTS.agentAnswers})
  --kafka-max-wait-ms N
                    consumers' fetch wait, services and floor (default: production, 500)
  --no-build        use dist/ as it is (skip npm run build)
  --no-floor        skip the bare-parts floor
  --keep-logs       keep the services' logs (path printed)
  --node-client     load through Node's http.request, desks parsing every event (the
                    generator before session 26, about half as much CPU again; to compare)
  --rate N, --duration S, --drain S: old names of --rates N, --seconds S, --grace S
Environment: KAFKA_BROKERS (else scripts/kafka/kafka.sh start), BENCH_PG_URL (admin connection,
default postgres://postgres@127.0.0.1:5432/postgres).
Smoke: npm run bench:flow -- --rates 50 --seconds 5 --warmup 1 --grace 5`;

type NumericKey =
  | 'seconds'
  | 'warmup'
  | 'warmupPeak'
  | 'agents'
  | 'visitors'
  | 'mobileShare'
  | 'grace'
  | 'settle'
  | 'sockets'
  | 'warmConnections'
  | 'agentAnswers';
const numeric: Record<string, { key: NumericKey; min: number; max: number; int: boolean }> = {
  '--seconds': { key: 'seconds', min: 1, max: 3600, int: false },
  '--duration': { key: 'seconds', min: 1, max: 3600, int: false },
  '--warmup': { key: 'warmup', min: 0, max: 600, int: false },
  '--warmup-peak': { key: 'warmupPeak', min: 0, max: 600, int: false },
  '--agents': { key: 'agents', min: 1, max: 1000, int: true },
  '--visitors': { key: 'visitors', min: 1, max: 100_000, int: true },
  '--mobile-share': { key: 'mobileShare', min: 0, max: 1, int: false },
  '--grace': { key: 'grace', min: 1, max: 600, int: false },
  '--drain': { key: 'grace', min: 1, max: 600, int: false },
  '--settle': { key: 'settle', min: 0, max: 3600, int: false },
  '--sockets': { key: 'sockets', min: 1, max: 100_000, int: true },
  '--warm-connections': { key: 'warmConnections', min: 0, max: 100_000, int: true },
  '--agent-answers': { key: 'agentAnswers', min: 0, max: 1, int: false },
};

const flags: Record<string, (o: FlowOptions) => void> = {
  '--no-build': (o) => (o.build = false),
  '--no-floor': (o) => (o.floor = false),
  '--keep-logs': (o) => (o.keepLogs = true),
  '--node-client': (o) => (o.nodeClient = true),
  '--agent-replied': (o) => (o.agentReplied = true),
  '--no-agent-replied': (o) => (o.agentReplied = false),
  '--end-sessions-after-warmup': (o) => (o.endSessionsAfterWarmup = true),
};

export class UsageError extends Error {}

/** The highest of `--rates`: what `--warmup-peak` runs at. */
export function peakRate(o: Pick<FlowOptions, 'rates'>): number {
  return Math.max(...o.rates);
}

function numberIn(name: string, raw: string | undefined, min: number, max: number, int: boolean): number {
  const value = Number(raw);
  if (raw === undefined || raw === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(`${name} must be a number from ${min} to ${max}, got ${raw}`);
  }
  if (int && !Number.isInteger(value)) throw new UsageError(`${name} must be an integer, got ${raw}`);
  return value;
}

export function parseArgs(argv: string[]): FlowOptions | 'help' {
  const o: FlowOptions = { ...DEFAULTS };
  let agentRepliedGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return 'help';
    if (flags[arg]) {
      if (arg.endsWith('agent-replied')) agentRepliedGiven = true;
      flags[arg](o);
      continue;
    }
    const [name, inline] = arg.split('=', 2);
    const value = () => inline ?? argv[++i];
    if (name === '--rates' || name === '--rate') {
      const raw = value();
      o.rates = (raw ?? '').split(',').map((r) => numberIn(name, r.trim(), 1, 100_000, false));
      continue;
    }
    if (name === '--restart-after-warmup') {
      const raw = (value() ?? '').split(',').map((n) => n.trim());
      const names = raw.includes('all') ? [...SERVICES] : raw;
      const unknown = names.filter((n) => !(SERVICES as readonly string[]).includes(n));
      if (unknown.length > 0)
        throw new UsageError(`${name} takes ${SERVICES.join(', ')} or all, got ${raw.join(',')}`);
      o.restartAfterWarmup = names as ServiceName[];
      continue;
    }
    if (name === '--end-sessions-before') {
      o.endSessionsBeforeRate = numberIn(name, value(), 1, 100_000, false);
      continue;
    }
    if (name === '--first-response-timeout-ms') {
      o.firstResponseTimeoutMs = numberIn(name, value(), 100, 30 * 24 * 3600 * 1000, true);
      continue;
    }
    if (name === '--kafka-max-wait-ms') {
      o.kafkaMaxWaitMs = numberIn(name, value(), 10, 10_000, true);
      continue;
    }
    const spec = numeric[name];
    if (!spec) throw new UsageError(`unknown option ${arg}`);
    o[spec.key] = numberIn(name, value(), spec.min, spec.max, spec.int);
  }
  // Short R9 is there to move conversations: an agent reply would stop it.
  if (o.firstResponseTimeoutMs !== null && !agentRepliedGiven) o.agentReplied = false;
  if (o.warmConnections > 0 && o.nodeClient)
    throw new UsageError('--warm-connections needs the lean client (not --node-client)');
  if (o.warmConnections > o.sockets)
    throw new UsageError(`--warm-connections must be at most --sockets (${o.sockets})`);
  if (o.endSessionsBeforeRate !== null && !o.rates.includes(o.endSessionsBeforeRate))
    throw new UsageError(`--end-sessions-before must be one of --rates (${o.rates.join(',')})`);
  // The floor is when the relays reconnect; without it their gap would fall inside the step.
  if (o.endSessionsBeforeRate !== null && !o.floor)
    throw new UsageError('--end-sessions-before needs the floor (not --no-floor)');
  return o;
}
