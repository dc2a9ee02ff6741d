// HTTP and socket plumbing every edge shares: parsing at the door, and errors mapped to statuses
// and acknowledgements in one place. No providers, so no module.
export { parseInput, PathIdPipe, isUuid } from './validation';
export { ackError, ackOf, connectError } from './socket-errors';
export type { Ack } from './socket-errors';
export { bodyErrorHandler, HttpErrorFilter, sendHttpError } from './error.filter';
export {
  DEFAULT_RETRY_AFTER_SECONDS,
  NotSent,
  RateLimited,
  retryAfterSecondsOf,
  Unavailable,
} from './unavailable';
export { toHttpError } from './error-mapping';
export type { AckError } from './socket-errors';
export { listenOnSockets } from './listen';
export {
  admittedByDoor,
  DOOR_ADMITTED_HEADER,
  DOOR_BUSY_ROUTE,
  startDoorThread,
  type DoorPriority,
  type DoorRefusals,
  type DoorThread,
} from './door-thread';
export { DoorState, type DoorReason, type DoorView } from './door-state';
export { serveHopped, type HopAnswer, type HopRequest } from './door-hop';
export { DOOR_HEALTH_MAX_AGE_MS, type DoorHealthAnswer, type ProbeServed } from './door-health';
export {
  startHealthThread,
  type HealthThread,
  type HealthThreadOptions,
  type HealthThreadProbe,
} from './health-thread';
export { correlationIdOf } from './correlation-id';
export { ATTEMPT_HEADER, isRetry } from './attempt';
export { niceRefused, setThreadNice, THREAD_NICE_SUPPORTED, threadNice } from './thread-nice';
