import type { RoutingConfig } from './config/env.validation';
import type { TimeoutConfig } from './timeouts/domain/deadlines';

export const ROUTING_CONFIG = Symbol('ROUTING_CONFIG');

export const timeoutsOf = (c: RoutingConfig): TimeoutConfig => ({
  firstResponseMs: c.FIRST_RESPONSE_TIMEOUT_MS,
  responseMs: c.RESPONSE_TIMEOUT_MS,
  inactivityCloseMs: c.INACTIVITY_CLOSE_MS,
});

/** Routing's service name, which is also its consumer group (bootDatabaseService's default). */
export const ROUTING_SERVICE = 'routing';
