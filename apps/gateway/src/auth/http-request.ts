import type { VisitorPrincipal } from './token.service';

/** The parts of an Express request the gateway's guards read. */
export interface GatewayRequest {
  headers: Record<string, string | string[] | undefined>;
  ip?: string;
  socket?: { remoteAddress?: string };
  visitor?: VisitorPrincipal;
}

export interface GatewayResponse {
  setHeader(name: string, value: string): void;
}
