import type { RoutingConfig } from './env.validation';

export const ROUTING_CONFIG = Symbol('ROUTING_CONFIG');

/** The configured R9/R10/R11 durations, in the shape the rules take. */
export const timeoutsOf = (c: RoutingConfig) => ({
  firstResponseMs: c.FIRST_RESPONSE_TIMEOUT_MS,
  responseMs: c.RESPONSE_TIMEOUT_MS,
  inactivityCloseMs: c.INACTIVITY_CLOSE_MS,
});

/** Routing's service name, which is also its consumer group (bootDatabaseService's default). */
export const ROUTING_SERVICE = 'routing';
