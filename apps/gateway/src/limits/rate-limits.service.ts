import { Inject, Injectable } from '@nestjs/common';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/env.validation';
import { RateLimited } from '../http';
import { TokenBuckets } from './token-buckets';

export type LimitName =
  'registrations' | 'visitorMessages' | 'socketEvents' | 'agentCommands' | 'agentStatus' | 'connections';

type LimitsConfig = Pick<
  GatewayConfig,
  | 'RATE_LIMIT_VISITORS_PER_MINUTE'
  | 'RATE_LIMIT_VISITOR_MESSAGES_PER_SECOND'
  | 'RATE_LIMIT_VISITOR_MESSAGES_BURST'
  | 'RATE_LIMIT_SOCKET_EVENTS_PER_SECOND'
  | 'RATE_LIMIT_SOCKET_EVENTS_BURST'
  | 'RATE_LIMIT_AGENT_COMMANDS_PER_SECOND'
  | 'RATE_LIMIT_AGENT_COMMANDS_BURST'
  | 'RATE_LIMIT_AGENT_STATUS_PER_SECOND'
  | 'RATE_LIMIT_AGENT_STATUS_BURST'
  | 'RATE_LIMIT_MAX_KEYS'
  | 'SOCKET_CONNECTIONS_PER_MINUTE_PER_ADDRESS'
>;

const WHAT: Record<LimitName, string> = {
  registrations: 'too many visitors registered from this address',
  visitorMessages: 'too many messages from this visitor',
  socketEvents: 'too many events on this socket',
  agentCommands: 'too many commands from this agent',
  agentStatus: 'too many status changes on this desk',
  connections: 'too many connections from this address',
};

/**
 * Every rate limit of the gateway (docs/architecture.md, Floods): one set of token buckets per limit,
 * keyed by client address, visitor, socket or agent, in memory per instance. `take` refuses with
 * RATE_LIMITED and the seconds to wait; the edges (guards, socket middleware) only name the key.
 */
@Injectable()
export class RateLimits {
  private readonly limits: Record<LimitName, TokenBuckets>;
  private readonly refusedCounts: Record<LimitName, number> = {
    registrations: 0,
    visitorMessages: 0,
    socketEvents: 0,
    agentCommands: 0,
    agentStatus: 0,
    connections: 0,
  };

  constructor(@Inject(GATEWAY_CONFIG) c: LimitsConfig) {
    const keys = c.RATE_LIMIT_MAX_KEYS;
    const perMinute = (n: number) => ({ ratePerSecond: n / 60, burst: n });
    this.limits = {
      registrations: new TokenBuckets(perMinute(c.RATE_LIMIT_VISITORS_PER_MINUTE), keys),
      visitorMessages: new TokenBuckets(
        {
          ratePerSecond: c.RATE_LIMIT_VISITOR_MESSAGES_PER_SECOND,
          burst: c.RATE_LIMIT_VISITOR_MESSAGES_BURST,
        },
        keys,
      ),
      socketEvents: new TokenBuckets(
        { ratePerSecond: c.RATE_LIMIT_SOCKET_EVENTS_PER_SECOND, burst: c.RATE_LIMIT_SOCKET_EVENTS_BURST },
        keys,
      ),
      agentCommands: new TokenBuckets(
        { ratePerSecond: c.RATE_LIMIT_AGENT_COMMANDS_PER_SECOND, burst: c.RATE_LIMIT_AGENT_COMMANDS_BURST },
        keys,
      ),
      agentStatus: new TokenBuckets(
        { ratePerSecond: c.RATE_LIMIT_AGENT_STATUS_PER_SECOND, burst: c.RATE_LIMIT_AGENT_STATUS_BURST },
        keys,
      ),
      connections: new TokenBuckets(perMinute(c.SOCKET_CONNECTIONS_PER_MINUTE_PER_ADDRESS), keys),
    };
  }

  /** Takes one hit for `key`; throws RATE_LIMITED (with when to retry) past the limit. */
  take(limit: LimitName, key: string, now = Date.now()): void {
    const decision = this.limits[limit].take(key, now);
    if (decision.allowed) return;
    this.refusedCounts[limit]++;
    throw new RateLimited(`${WHAT[limit]}; try again later`, decision.retryAfterMs);
  }

  /** A key that will not come back (a closed socket): its bucket goes at once. */
  forget(limit: LimitName, key: string): void {
    this.limits[limit].forget(key);
  }

  /** Refusals so far, per limit (diagnostics, metrics). */
  refused(): Readonly<Record<LimitName, number>> {
    return { ...this.refusedCounts };
  }
}
