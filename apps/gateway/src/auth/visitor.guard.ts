import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import { DomainError } from '@pupitre/shared';
import type { GatewayRequest } from './http-request';
import { bearerToken, TokenService, VisitorPrincipal } from './token.service';

/** SDK API: `Authorization: Bearer <visitor token>`; an agent's token is not a visitor's. */
@Injectable()
export class VisitorGuard implements CanActivate {
  constructor(private readonly tokens: TokenService) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<GatewayRequest>();
    const token = bearerToken(req.headers.authorization);
    if (token === null) throw new DomainError('UNAUTHENTICATED', 'a visitor token is required');
    req.visitor = this.tokens.verifyVisitor(token);
    return true;
  }
}

/** The visitor the VisitorGuard authenticated. */
export const CurrentVisitor = createParamDecorator(
  (_data: unknown, context: ExecutionContext): VisitorPrincipal => {
    const visitor = context.switchToHttp().getRequest<GatewayRequest>().visitor;
    if (!visitor) throw new DomainError('UNAUTHENTICATED', 'a visitor token is required');
    return visitor;
  },
);
