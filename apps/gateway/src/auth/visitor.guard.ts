import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import { DomainError } from '@pupitre/shared';
import type { GatewayRequest, GatewayResponse } from './http-request';
import { bearerToken, TokenService, VisitorPrincipal } from './token.service';

/** Response header carrying a visitor's renewed token (docs/contract.md, Tokens). */
export const VISITOR_TOKEN_HEADER = 'X-Visitor-Token';

/**
 * SDK API: `Authorization: Bearer <visitor token>`; an agent's token is not a visitor's. A token an
 * hour old or more comes back renewed in `X-Visitor-Token`.
 */
@Injectable()
export class VisitorGuard implements CanActivate {
  constructor(private readonly tokens: TokenService) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<GatewayRequest>();
    const token = bearerToken(req.headers.authorization);
    if (token === null) throw new DomainError('UNAUTHENTICATED', 'a visitor token is required');
    const { visitor, renewed } = this.tokens.authenticateVisitor(token);
    req.visitor = visitor;
    // Sliding expiry: the SDK keeps the renewed token, so it stays good long after the last use.
    if (renewed) {
      const res = context.switchToHttp().getResponse<GatewayResponse>();
      res.setHeader(VISITOR_TOKEN_HEADER, renewed);
      res.setHeader('Access-Control-Expose-Headers', VISITOR_TOKEN_HEADER); // readable by a web chat SDK
    }
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
