export { AuthModule } from './auth.module';
export { AdminGuard } from './admin.guard';
export { CurrentVisitor, VISITOR_TOKEN_HEADER, VisitorGuard } from './visitor.guard';
export { TokenService } from './token.service';
export type { VisitorPrincipal } from './token.service';
export type { GatewayRequest, GatewayResponse } from './http-request';
