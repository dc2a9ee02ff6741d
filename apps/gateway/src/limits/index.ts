export { LimitsModule } from './limits.module';
export { RateLimits } from './rate-limits.service';
export { RegistrationRateLimitGuard, VisitorWriteRateLimitGuard } from './http-rate-limit.guards';
export { LimitedIoAdapter } from './limited-io.adapter';
export { loadShedder, shedAtTheDoor } from './load-shedding';
export { RefusingPriority } from './refusing-priority';
export { EncodedJson } from './json-parser';
export { doorView } from './door-view';
