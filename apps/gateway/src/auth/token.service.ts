import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { z } from 'zod';
import { Channel, channelSchema, DomainError } from '@pupitre/shared';

export interface VisitorPrincipal {
  visitorId: string;
  channel: Channel;
}

export interface AgentPrincipal {
  agentId: string;
  /** Checked by routing against the agent's current token version: a rotated token stops working. */
  tokenVersion: number;
}

const uuid = z.string().uuid();
const visitorClaims = z.object({ sub: uuid, role: z.literal('visitor'), channel: channelSchema });
const agentClaims = z.object({ sub: uuid, role: z.literal('agent'), ver: z.number().int().min(0) });

/**
 * Visitor and agent credentials: HS256 JWTs with a role. A token of one role is never accepted
 * where the other is expected; anything missing, forged or malformed is UNAUTHENTICATED.
 */
@Injectable()
export class TokenService {
  constructor(private readonly jwt: JwtService) {}

  signVisitor(visitorId: string, channel: Channel): string {
    return this.jwt.sign({ sub: visitorId, role: 'visitor', channel }, { algorithm: 'HS256' });
  }

  signAgent(agentId: string, tokenVersion: number): string {
    return this.jwt.sign({ sub: agentId, role: 'agent', ver: tokenVersion }, { algorithm: 'HS256' });
  }

  verifyVisitor(token: unknown): VisitorPrincipal {
    const claims = visitorClaims.safeParse(this.verify(token));
    if (!claims.success) throw unauthenticated('not a visitor token');
    return { visitorId: claims.data.sub.toLowerCase(), channel: claims.data.channel };
  }

  verifyAgent(token: unknown): AgentPrincipal {
    const claims = agentClaims.safeParse(this.verify(token));
    if (!claims.success) throw unauthenticated('not an agent token');
    return { agentId: claims.data.sub.toLowerCase(), tokenVersion: claims.data.ver };
  }

  private verify(token: unknown): unknown {
    if (typeof token !== 'string' || token.length === 0) throw unauthenticated('a token is required');
    try {
      return this.jwt.verify(token, { algorithms: ['HS256'] });
    } catch {
      throw unauthenticated('the token is invalid');
    }
  }
}

const unauthenticated = (message: string) => new DomainError('UNAUTHENTICATED', message);

/** `Authorization: Bearer <token>` → the token, or null. */
export function bearerToken(header: unknown): string | null {
  if (typeof header !== 'string') return null;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match ? match[1] : null;
}
