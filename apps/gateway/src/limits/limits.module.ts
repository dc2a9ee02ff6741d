import { Module } from '@nestjs/common';
import { RegistrationRateLimitGuard, VisitorWriteRateLimitGuard } from './http-rate-limit.guards';
import { RateLimits } from './rate-limits.service';

/**
 * Floods (docs/architecture.md): the rate limits, and the guards that apply them to HTTP writes. No
 * imports, so any feature (auth included) can use them; the sockets' use is in socket-limits/.
 */
@Module({
  providers: [RateLimits, RegistrationRateLimitGuard, VisitorWriteRateLimitGuard],
  exports: [RateLimits, RegistrationRateLimitGuard, VisitorWriteRateLimitGuard],
})
export class LimitsModule {}
