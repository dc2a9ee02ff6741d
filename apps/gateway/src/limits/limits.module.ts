import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { RegistrationRateLimitGuard, VisitorWriteRateLimitGuard } from './http-rate-limit.guards';
import { RateLimits } from './rate-limits.service';
import { SocketLimits } from './socket-limits.service';

/** Floods (docs/architecture.md): rate limits on HTTP writes and socket events, socket connection limits. */
@Module({
  imports: [AuthModule],
  providers: [RateLimits, SocketLimits, RegistrationRateLimitGuard, VisitorWriteRateLimitGuard],
  exports: [RateLimits, SocketLimits, RegistrationRateLimitGuard, VisitorWriteRateLimitGuard],
})
export class LimitsModule {}
