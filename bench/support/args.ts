/** Command-line options of `npm run bench:flow -- --rate 200 --duration 20 ...`. */
export interface FlowOptions {
  /** Visitor messages per second, scheduled open-loop. */
  rate: number;
  /** Seconds of measured load. */
  duration: number;
  /** Seconds of unmeasured load first (JIT, pools, caches); its messages are drained before measuring. */
  warmup: number;
  agents: number;
  visitors: number;
  /** Share of visitors on `mobile_app` (the rest on `web_chat`). */
  mobileShare: number;
  /** Seconds to wait after the last send for what is still in flight; later is lost. */
  drain: number;
  /** Keep-alive sockets of the load generator's HTTP agent. */
  sockets: number;
  /** Each agent answers each conversation once before the load, so R10 deadlines move with every visitor message. */
  agentReplied: boolean;
  build: boolean;
  floor: boolean;
  keepLogs: boolean;
}

export const DEFAULTS: FlowOptions = {
  rate: 200,
  duration: 20,
  warmup: 2,
  agents: 10,
  visitors: 200,
  mobileShare: 0.1,
  drain: 10,
  sockets: 128,
  agentReplied: false,
  build: true,
  floor: true,
  keepLogs: false,
};

export const USAGE = `usage: npm run bench:flow -- [options]
  --rate N          visitor messages per second, open-loop        (${DEFAULTS.rate})
  --duration S      seconds of measured load                       (${DEFAULTS.duration})
  --warmup S        seconds of unmeasured load before              (${DEFAULTS.warmup})
  --agents N        agents, chatCapacity 20 each                   (${DEFAULTS.agents})
  --visitors N      visitors, each with one assigned conversation  (${DEFAULTS.visitors})
  --mobile-share F  share of visitors on mobile_app, 0..1          (${DEFAULTS.mobileShare})
  --drain S         wait after the last send before counting lost  (${DEFAULTS.drain})
  --sockets N       keep-alive HTTP sockets of the load generator  (${DEFAULTS.sockets})
  --agent-replied   agents answer every conversation once before the load (R10
                    deadlines then move with each visitor message, as in real chats)
  --no-build        use dist/ as it is (skip npm run build)
  --no-floor        skip the raw Kafka produce→consume measurement
  --keep-logs       keep the services' logs (path printed)
Environment: KAFKA_BROKERS (else scripts/kafka/kafka.sh start), BENCH_PG_URL (admin connection,
default postgres://postgres@127.0.0.1:5432/postgres).`;

const numeric: Record<string, { key: keyof FlowOptions; min: number; max: number; int: boolean }> = {
  '--rate': { key: 'rate', min: 1, max: 100_000, int: false },
  '--duration': { key: 'duration', min: 1, max: 3600, int: false },
  '--warmup': { key: 'warmup', min: 0, max: 600, int: false },
  '--agents': { key: 'agents', min: 1, max: 1000, int: true },
  '--visitors': { key: 'visitors', min: 1, max: 100_000, int: true },
  '--mobile-share': { key: 'mobileShare', min: 0, max: 1, int: false },
  '--drain': { key: 'drain', min: 1, max: 600, int: false },
  '--sockets': { key: 'sockets', min: 1, max: 10_000, int: true },
};

const flags: Record<string, (o: FlowOptions) => void> = {
  '--no-build': (o) => (o.build = false),
  '--no-floor': (o) => (o.floor = false),
  '--keep-logs': (o) => (o.keepLogs = true),
  '--agent-replied': (o) => (o.agentReplied = true),
};

export class UsageError extends Error {}

export function parseArgs(argv: string[]): FlowOptions | 'help' {
  const o: FlowOptions = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return 'help';
    if (flags[arg]) {
      flags[arg](o);
      continue;
    }
    const [name, inline] = arg.split('=', 2);
    const spec = numeric[name];
    if (!spec) throw new UsageError(`unknown option ${arg}`);
    const raw = inline ?? argv[++i];
    const value = Number(raw);
    if (raw === undefined || !Number.isFinite(value) || value < spec.min || value > spec.max) {
      throw new UsageError(`${name} must be a number from ${spec.min} to ${spec.max}, got ${raw}`);
    }
    if (spec.int && !Number.isInteger(value)) throw new UsageError(`${name} must be an integer, got ${raw}`);
    (o[spec.key] as number) = value;
  }
  return o;
}
