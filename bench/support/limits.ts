/**
 * The gateway's rate and socket limits, out of the benchmarks' way: they drive hundreds of visitor
 * messages a second and every desk from one address, and a 429 must never stand in for the 503s they
 * measure (issue 8). Whatever the environment says is overridden. The e2e tests use the same, for the
 * same reason (rate-limit.e2e-spec sets its own).
 */
export const BENCH_LIMITS: Readonly<Record<string, string>> = {
  RATE_LIMIT_VISITORS_PER_MINUTE: '1000000',
  RATE_LIMIT_VISITOR_MESSAGES_PER_SECOND: '1000000',
  RATE_LIMIT_VISITOR_MESSAGES_BURST: '1000000',
  RATE_LIMIT_SOCKET_EVENTS_PER_SECOND: '1000000',
  RATE_LIMIT_SOCKET_EVENTS_BURST: '1000000',
  RATE_LIMIT_AGENT_COMMANDS_PER_SECOND: '1000000',
  RATE_LIMIT_AGENT_COMMANDS_BURST: '1000000',
  RATE_LIMIT_AGENT_STATUS_PER_SECOND: '1000000',
  RATE_LIMIT_AGENT_STATUS_BURST: '1000000',
  SOCKET_MAX_CONNECTIONS_PER_AGENT: '100000',
  SOCKET_MAX_CONNECTIONS_PER_ADDRESS: '10000000',
  SOCKET_CONNECTIONS_PER_MINUTE_PER_ADDRESS: '10000000',
};
