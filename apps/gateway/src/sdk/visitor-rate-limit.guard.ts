import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { DomainError } from '@pupitre/shared';
import type { GatewayRequest, GatewayResponse } from '../auth';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/env.validation';
import { SlidingWindowRateLimiter } from './rate-limiter';

const MINUTE_MS = 60_000;

/** `POST /v1/visitors` is public: limited per client address (RATE_LIMIT_VISITORS_PER_MINUTE). */
@Injectable()
export class VisitorRateLimitGuard implements CanActivate {
  private readonly limiter: SlidingWindowRateLimiter;

  constructor(@Inject(GATEWAY_CONFIG) config: Pick<GatewayConfig, 'RATE_LIMIT_VISITORS_PER_MINUTE'>) {
    this.limiter = new SlidingWindowRateLimiter(config.RATE_LIMIT_VISITORS_PER_MINUTE, MINUTE_MS);
  }

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const req = http.getRequest<GatewayRequest>();
    const decision = this.limiter.hit(req.ip ?? req.socket?.remoteAddress ?? 'unknown', Date.now());
    if (decision.allowed) return true;
    http
      .getResponse<GatewayResponse>()
      .setHeader('Retry-After', String(Math.ceil(decision.retryAfterMs / 1000)));
    throw new DomainError('RATE_LIMITED', 'too many visitors registered from this address; try again later');
  }
}
