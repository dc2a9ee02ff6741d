import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { DomainError } from '@pupitre/shared';
import { RateLimits } from './rate-limits.service';

/** What the guards read of a request (auth's GatewayRequest, not imported: auth uses these guards). */
interface LimitedRequest {
  ip?: string;
  socket?: { remoteAddress?: string };
  visitor?: { visitorId: string };
}

/**
 * `POST /v1/visitors` is public: limited per client address (RATE_LIMIT_VISITORS_PER_MINUTE). The
 * address is Express's `req.ip`, which honours X-Forwarded-For only as TRUST_PROXY allows.
 */
@Injectable()
export class RegistrationRateLimitGuard implements CanActivate {
  constructor(private readonly limits: RateLimits) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<LimitedRequest>();
    this.limits.take('registrations', req.ip ?? req.socket?.remoteAddress ?? 'unknown');
    return true;
  }
}

/** A visitor's writes, per visitor id (after VisitorGuard): RATE_LIMIT_VISITOR_MESSAGES_*. */
@Injectable()
export class VisitorWriteRateLimitGuard implements CanActivate {
  constructor(private readonly limits: RateLimits) {}

  canActivate(context: ExecutionContext): boolean {
    const visitor = context.switchToHttp().getRequest<LimitedRequest>().visitor;
    if (!visitor) throw new DomainError('UNAUTHENTICATED', 'a visitor token is required');
    this.limits.take('visitorMessages', visitor.visitorId);
    return true;
  }
}
