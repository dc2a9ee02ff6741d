import { hostname } from 'node:os';
import { z } from 'zod';
import { envInt, kafkaEnvSchema, nodeEnvSchema, parseEnv, secretsRequired } from '@pupitre/shared';
import { parseTrustProxy, type TrustProxy } from './trust-proxy';

/** Development defaults: printed at start, used only when NODE_ENV is `development` or `test`. */
export const DEV_ADMIN_TOKEN = 'pupitre-dev-admin-token';
export const DEV_JWT_SECRET = 'pupitre-dev-jwt-secret-not-for-production';
const MIN_PRODUCTION_SECRET = 16;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** A visitor token older than this is renewed on use (X-Visitor-Token): what "sliding" costs in slack. */
export const VISITOR_TOKEN_RENEW_AFTER_MS = HOUR_MS;
const UNSET = -1;

const optionalSecret = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() ? v : undefined));

const schema = kafkaEnvSchema
  .merge(nodeEnvSchema)
  .extend({
    PORT: envInt(3000, 0, 65535),
    // How long an idle keep-alive connection stays open. Above a load balancer's idle timeout (60 s
    // on the common ones), so the balancer, not the gateway, closes it: a close from this side races
    // the next request sent on it, which then fails with a reset (Node's default is 5 s).
    HTTP_KEEP_ALIVE_TIMEOUT_MS: envInt(65_000, 1000, 3_600_000),
    // Connections the kernel queues until the gateway accepts them (the kernel caps it at
    // net.core.somaxconn). Node's default, 511, overflowed when clients opened connections in a burst
    // (bench/overload: refusals answered in 3 to 9 s, the time of the SYNs the kernel dropped and the
    // clients sent again after 1, 3 and 7 s).
    HTTP_LISTEN_BACKLOG: envInt(4096, 1, 65535),
    // Listening sockets on PORT (SO_REUSEPORT, one process): each accepts one connection per turn of
    // the event loop (libuv), so a burst of new connections is accepted this many times as fast. At
    // most a sixteenth of the process's descriptor limit (http/listen.ts). 1,024: bench/overload at
    // 2,400/s, refused p99 0.4-1.6 s against 2.7-8.5 s with 64 (issue 7's note, session 37).
    HTTP_ACCEPT_SOCKETS: envInt(1024, 1, 4096),
    // The public port on a thread of its own, which refuses visitor messages while the door is shut
    // without waiting for the main thread's event loop (http/door-thread.ts; docs/architecture.md,
    // Overload). For a gateway that shares its cores with other busy processes.
    HTTP_DOOR_THREAD: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
    // That thread's nice value; below 0 takes CAP_SYS_NICE or an RLIMIT_NICE of 20 - the value (without
    // either: a warning, and the process's).
    HTTP_DOOR_THREAD_NICE: envInt(-20, -20, 19),
    // 1-99: that thread under SCHED_FIFO at this priority instead, ahead of every ordinary thread
    // whatever its nice value (http/thread-nice.ts; util-linux's chrt, CAP_SYS_NICE); 0: off.
    HTTP_DOOR_THREAD_FIFO: envInt(0, 0, 99),
    // The probes (/health/live, /health/ready, /health/ready/self) on a port of their own as well,
    // answered by a thread of their own from the main thread's copy, without waiting for its event
    // loop (http/health-thread.ts); /metrics there too. 0: any free port; unset: none.
    HEALTH_PORT: envInt(-1, 0, 65535),
    // That thread's nice value, as HTTP_DOOR_THREAD_NICE is the door thread's (a probe's answer is
    // microseconds of work, and under an overload a thread at the process's priority waits its turn).
    HEALTH_THREAD_NICE: envInt(-20, -20, 19),
    // The main thread's nice value while the door refuses, back a second after the last refusal
    // (limits/refusing-priority.ts); 0: off. It takes CAP_SYS_NICE (without it: a warning).
    GATEWAY_REFUSING_NICE: envInt(0, -20, 0),
    ADMIN_TOKEN: optionalSecret,
    JWT_SECRET: optionalSecret,
    REQUEST_TIMEOUT_MS: envInt(5000, 100, 120000),
    GATEWAY_INSTANCE_ID: z
      .string()
      .optional()
      .transform((v) => (v && v.trim() ? v.trim() : undefined))
      .pipe(
        z
          .string()
          .regex(/^[A-Za-z0-9._-]{1,100}$/, 'letters, digits, dot, dash, underscore only (1–100)')
          .optional(),
      ),
    // Rate and socket limits (docs/architecture.md, Floods). Token buckets in memory per gateway
    // instance: a rate (per second, or per minute) and a burst. Defaults real use never meets.
    // Who the client is behind proxies: Express's `trust proxy` (a hop count, subnets, or names).
    TRUST_PROXY: z
      .string()
      .optional()
      .superRefine((v, ctx) => {
        try {
          parseTrustProxy(v);
        } catch (err) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: (err as Error).message });
        }
      }),
    // Per client address; mobile carriers put many phones behind one address (CGNAT), so not too low.
    RATE_LIMIT_VISITORS_PER_MINUTE: envInt(600, 1, 1_000_000),
    // POST /v1/visitor/messages per visitor id: a visitor's bursts (10 a second and more) pass.
    RATE_LIMIT_VISITOR_MESSAGES_PER_SECOND: envInt(10, 1, 1_000_000),
    RATE_LIMIT_VISITOR_MESSAGES_BURST: envInt(30, 1, 1_000_000),
    // Every event a socket sends (desk commands, anything on /visitor), per socket.
    RATE_LIMIT_SOCKET_EVENTS_PER_SECOND: envInt(20, 1, 1_000_000),
    RATE_LIMIT_SOCKET_EVENTS_BURST: envInt(60, 1, 1_000_000),
    // Desk commands per agent, across their sockets on this gateway.
    RATE_LIMIT_AGENT_COMMANDS_PER_SECOND: envInt(30, 1, 1_000_000),
    RATE_LIMIT_AGENT_COMMANDS_BURST: envInt(100, 1, 1_000_000),
    // agent.status per desk socket: a person changes status a few times an hour.
    RATE_LIMIT_AGENT_STATUS_PER_SECOND: envInt(2, 1, 1_000_000),
    RATE_LIMIT_AGENT_STATUS_BURST: envInt(10, 1, 1_000_000),
    // The most keys (addresses, visitors, agents) each limiter remembers; the least recently seen go.
    RATE_LIMIT_MAX_KEYS: envInt(100_000, 100, 10_000_000),
    // Socket.IO (both namespaces): the largest message, heartbeats, and connections.
    SOCKET_MAX_PAYLOAD_BYTES: envInt(65_536, 1024, 100_000_000),
    SOCKET_PING_INTERVAL_MS: envInt(25_000, 1000, 600_000),
    SOCKET_PING_TIMEOUT_MS: envInt(20_000, 1000, 600_000),
    // A handshake must complete (namespace connect) within this, or the connection is dropped.
    SOCKET_CONNECT_TIMEOUT_MS: envInt(45_000, 1000, 600_000),
    SOCKET_MAX_CONNECTIONS_PER_AGENT: envInt(10, 1, 100_000),
    // Per client address (TRUST_PROXY): CGNAT and offices put many people behind one address.
    SOCKET_MAX_CONNECTIONS_PER_ADDRESS: envInt(2000, 1, 10_000_000),
    SOCKET_CONNECTIONS_PER_MINUTE_PER_ADDRESS: envInt(1200, 1, 10_000_000),
    // Tokens (docs/contract.md, Tokens): desk tokens last about a working day and are refreshed with
    // POST /v1/agent/token; visitor tokens outlive R11 after their last use (renewed on use, or
    // refreshed with POST /v1/visitor/token), so a visitor back within 7 days is never stranded.
    AGENT_TOKEN_TTL_MS: envInt(10 * HOUR_MS, 60_000, 30 * DAY_MS),
    // Unset: INACTIVITY_CLOSE_MS + 1 day (8 days by default).
    VISITOR_TOKEN_TTL_MS: envInt(UNSET, 60_000, 365 * DAY_MS),
    INACTIVITY_CLOSE_MS: envInt(7 * DAY_MS, 1000, 365 * DAY_MS),
    // Overload (docs/architecture.md, Overload and readiness). A request's deadline is its send time
    // plus REQUEST_TIMEOUT_MS; the 503 waits this margin more, which must exceed the time between a
    // service's last deadline check and its commit, plus the clock skew between the two hosts.
    REQUEST_DEADLINE_MARGIN_MS: envInt(1000, 50, 60_000),
    // The most requests waiting for one service's answer, per gateway instance; beyond, 503 at once.
    // The bound in force adapts below it (RequestClient.boundFor): answers/s (the 5-s average or the
    // last 1,000 ms, the higher) × REQUEST_QUEUE_TARGET_MS.
    MAX_IN_FLIGHT_PER_SERVICE: envInt(1000, 1, 1_000_000),
    // How long a request may queue for a service before the gateway refuses new ones at once: well
    // under REQUEST_TIMEOUT_MS, so overload is refused on arrival rather than answered at the deadline.
    REQUEST_QUEUE_TARGET_MS: envInt(500, 10, 120_000),
    // The same for a client's retry (`X-Attempt` 2 or more), over the service's usual latency: retries
    // get in only while requests take at most this much longer than usual, so that under overload they
    // wait behind new messages instead of keeping the machine saturated. At REQUEST_QUEUE_TARGET_MS or
    // more, retries queue like first tries.
    REQUEST_RETRY_QUEUE_TARGET_MS: envInt(25, 1, 120_000),
    // How old the oldest visitor message this instance accepted may get before its desk feed reads it
    // (DeskFeedLag); past it, new visitor messages are refused at once. 0: off (nothing measured).
    DESK_FEED_LAG_LIMIT_MS: envInt(2000, 0, 600_000),
    // /health/ready: a service is down when its last heartbeat is older than this.
    READINESS_MAX_HEARTBEAT_AGE_MS: envInt(5000, 1000, 600_000),
    // Ghost desks: this instance tells routing it is alive this often; routing drops the desks of an
    // instance silent for its DESK_INSTANCE_TTL_MS (30 s), which should be several of these.
    DESK_INSTANCE_HEARTBEAT_MS: envInt(5000, 100, 600_000),
    // Routing's setting of the same name: a desk.disconnect not answered by then is given up (routing
    // drops the desks of an instance it has not heard from for that long anyway).
    DESK_INSTANCE_TTL_MS: envInt(30_000, 500, 3_600_000),
  })
  .superRefine((e, ctx) => {
    if (
      e.VISITOR_TOKEN_TTL_MS !== UNSET &&
      e.VISITOR_TOKEN_TTL_MS < e.INACTIVITY_CLOSE_MS + VISITOR_TOKEN_RENEW_AFTER_MS
    ) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['VISITOR_TOKEN_TTL_MS'],
        message: `must be at least INACTIVITY_CLOSE_MS + ${VISITOR_TOKEN_RENEW_AFTER_MS} (a visitor token outlives R11)`,
      });
    }
    if (e.HEALTH_PORT > 0 && e.HEALTH_PORT === e.PORT) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['HEALTH_PORT'],
        message: `must differ from PORT (${e.PORT}): the probes' port is a second one`,
      });
    }
    if (!secretsRequired(e.NODE_ENV)) return;
    for (const name of ['ADMIN_TOKEN', 'JWT_SECRET'] as const) {
      const value = e[name];
      if (!value) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: [name],
          message: 'required unless NODE_ENV is development or test',
        });
      } else if (value.length < MIN_PRODUCTION_SECRET) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: [name],
          message: `must be at least ${MIN_PRODUCTION_SECRET} characters unless NODE_ENV is development or test`,
        });
      }
    }
  })
  .transform((e) => {
    const warnings: string[] = [];
    if (!e.ADMIN_TOKEN)
      warnings.push(`ADMIN_TOKEN is not set: using the development default "${DEV_ADMIN_TOKEN}"`);
    if (!e.JWT_SECRET)
      warnings.push(`JWT_SECRET is not set: using the development default "${DEV_JWT_SECRET}"`);
    if (e.GATEWAY_REFUSING_NICE !== 0 && e.HTTP_DOOR_THREAD)
      warnings.push(
        'GATEWAY_REFUSING_NICE has no effect with HTTP_DOOR_THREAD: the door thread refuses, at HTTP_DOOR_THREAD_NICE',
      );
    if (e.HTTP_DOOR_THREAD_FIFO !== 0 && !e.HTTP_DOOR_THREAD)
      warnings.push('HTTP_DOOR_THREAD_FIFO has no effect without HTTP_DOOR_THREAD');
    if (e.HEALTH_THREAD_NICE !== -20 && e.HEALTH_PORT < 0)
      warnings.push('HEALTH_THREAD_NICE has no effect without HEALTH_PORT');
    return {
      ...e,
      ADMIN_TOKEN: e.ADMIN_TOKEN ?? DEV_ADMIN_TOKEN,
      JWT_SECRET: e.JWT_SECRET ?? DEV_JWT_SECRET,
      TRUST_PROXY: behindDoorThread(parseTrustProxy(e.TRUST_PROXY), e.HTTP_DOOR_THREAD),
      VISITOR_TOKEN_TTL_MS:
        e.VISITOR_TOKEN_TTL_MS === UNSET ? e.INACTIVITY_CLOSE_MS + DAY_MS : e.VISITOR_TOKEN_TTL_MS,
      // Port 0 (tests) picks a free port: the name must still be unique per process.
      GATEWAY_INSTANCE_ID: e.GATEWAY_INSTANCE_ID ?? defaultInstanceId(e.PORT),
      /** What to print at start (development defaults in use). */
      warnings,
    };
  });

/**
 * Behind the door thread, the main thread's peer is that thread (on a Unix socket), which appends the
 * client's address to X-Forwarded-For as a proxy does: that first hop is trusted, then TRUST_PROXY.
 */
function behindDoorThread(trust: TrustProxy, doorThread: boolean): TrustProxy {
  return doorThread ? (addr, hop) => hop === 0 || trust(addr, hop - 1) : trust;
}

function defaultInstanceId(port: number): string {
  const host = hostname().replace(/[^A-Za-z0-9._-]/g, '-');
  return port === 0 ? `${host}-${process.pid}-${Date.now().toString(36)}` : `${host}-${port}`;
}

export type GatewayConfig = z.infer<typeof schema>;

/** Injection token of the validated configuration. */
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

export const loadGatewayConfig = (env: NodeJS.ProcessEnv = process.env): GatewayConfig =>
  parseEnv(schema, env);
