import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { z } from 'zod';
import { Channel, channelSchema, DomainError } from '@pupitre/shared';
import { GATEWAY_CONFIG, GatewayConfig, VISITOR_TOKEN_RENEW_AFTER_MS } from '../config/env.validation';

export interface VisitorPrincipal {
  visitorId: string;
  channel: Channel;
}

export interface AgentPrincipal {
  agentId: string;
  /** Checked by routing against the agent's current token version: a rotated token stops working. */
  tokenVersion: number;
}

export type TokenLifetimes = Pick<GatewayConfig, 'AGENT_TOKEN_TTL_MS' | 'VISITOR_TOKEN_TTL_MS'>;

const uuid = z.string().uuid();
// Tokens issued before expiries existed have no `exp`: they last the same TTL from their `iat`.
const times = { iat: z.number().int(), exp: z.number().int().optional() };
const visitorClaims = z.object({ sub: uuid, role: z.literal('visitor'), channel: channelSchema, ...times });
const agentClaims = z.object({ sub: uuid, role: z.literal('agent'), ver: z.number().int().min(0), ...times });

/** Well-signed tokens remembered per gateway (see verify). */
const VERIFIED_TOKENS_KEPT = 10_000;

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

/**
 * Visitor and agent credentials: HS256 JWTs with a role and an expiry. A token of one role is never
 * accepted where the other is expected; anything missing, forged, malformed or expired is
 * UNAUTHENTICATED. Desk tokens last AGENT_TOKEN_TTL_MS; visitor tokens VISITOR_TOKEN_TTL_MS, renewed
 * on use once VISITOR_TOKEN_RENEW_AFTER_MS old, so they outlive R11 after their last use.
 */
@Injectable()
export class TokenService {
  private readonly verified = new Map<string, Record<string, unknown>>();

  constructor(
    private readonly jwt: JwtService,
    @Inject(GATEWAY_CONFIG) private readonly lifetimes: TokenLifetimes,
  ) {}

  signVisitor(visitorId: string, channel: Channel, now = new Date()): string {
    return this.sign({ sub: visitorId, role: 'visitor', channel }, now, this.lifetimes.VISITOR_TOKEN_TTL_MS);
  }

  signAgent(agentId: string, tokenVersion: number, now = new Date()): string {
    return this.sign(
      { sub: agentId, role: 'agent', ver: tokenVersion },
      now,
      this.lifetimes.AGENT_TOKEN_TTL_MS,
    );
  }

  verifyVisitor(token: unknown, now = new Date()): VisitorPrincipal {
    return this.authenticateVisitor(token, now).visitor;
  }

  /** The visitor, and a renewed token when theirs is old enough to be worth renewing (sliding expiry). */
  authenticateVisitor(
    token: unknown,
    now = new Date(),
  ): { visitor: VisitorPrincipal; renewed: string | null } {
    const claims = visitorClaims.safeParse(this.verify(token, now));
    if (!claims.success) throw unauthenticated('not a visitor token');
    this.notExpired(claims.data, now, this.lifetimes.VISITOR_TOKEN_TTL_MS);
    const visitor = { visitorId: claims.data.sub.toLowerCase(), channel: claims.data.channel };
    const old = (seconds(now) - claims.data.iat) * 1000 >= VISITOR_TOKEN_RENEW_AFTER_MS;
    return { visitor, renewed: old ? this.signVisitor(visitor.visitorId, visitor.channel, now) : null };
  }

  verifyAgent(token: unknown, now = new Date()): AgentPrincipal {
    return this.agentClaims(this.verify(token, now), now);
  }

  /**
   * The agent a token was issued to, even expired: to end the sessions it opened when it is rotated.
   * Never for authentication.
   */
  agentOfAnyAge(token: unknown): AgentPrincipal | null {
    try {
      return this.agentClaims(this.verify(token, new Date(), true), null);
    } catch {
      return null;
    }
  }

  /** `now` null: expiry not checked. */
  private agentClaims(payload: unknown, now: Date | null): AgentPrincipal {
    const claims = agentClaims.safeParse(payload);
    if (!claims.success) throw unauthenticated('not an agent token');
    if (now) this.notExpired(claims.data, now, this.lifetimes.AGENT_TOKEN_TTL_MS);
    return { agentId: claims.data.sub.toLowerCase(), tokenVersion: claims.data.ver };
  }

  /** `exp` itself is checked by the JWT library; a token without one gets the TTL from its `iat`. */
  private notExpired(claims: { iat: number; exp?: number }, now: Date, ttlMs: number): void {
    if (claims.exp === undefined && seconds(now) >= claims.iat + Math.floor(ttlMs / 1000))
      throw unauthenticated('the token has expired');
  }

  private sign(claims: object, now: Date, ttlMs: number): string {
    const iat = seconds(now);
    return this.jwt.sign({ ...claims, iat, exp: iat + Math.floor(ttlMs / 1000) }, { algorithm: 'HS256' });
  }

  /**
   * The token's claims once its signature is checked. Well-signed tokens are remembered (bounded,
   * oldest dropped): the HMAC is most of a visitor POST's own CPU at the gateway, and a signature
   * never changes. Expiry is checked at every use, as the JWT library does (`now >= exp`).
   */
  private verify(token: unknown, now: Date, ignoreExpiration = false): unknown {
    if (typeof token !== 'string' || token.length === 0) throw unauthenticated('a token is required');
    let payload = this.verified.get(token);
    if (!payload) {
      try {
        payload = this.jwt.verify<Record<string, unknown>>(token, {
          algorithms: ['HS256'],
          ignoreExpiration: true,
        });
      } catch {
        throw unauthenticated('the token is invalid');
      }
      if (this.verified.size >= VERIFIED_TOKENS_KEPT)
        this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, payload);
    }
    if (!ignoreExpiration && typeof payload.exp === 'number' && seconds(now) >= payload.exp)
      throw unauthenticated('the token has expired');
    return payload;
  }
}

const unauthenticated = (message: string) => new DomainError('UNAUTHENTICATED', message);

/** `Authorization: Bearer <token>` → the token, or null. */
export function bearerToken(header: unknown): string | null {
  if (typeof header !== 'string') return null;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match ? match[1] : null;
}
