import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { DomainError } from '@pupitre/shared';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/env.validation';
import type { GatewayRequest } from './http-request';
import { bearerToken } from './token.service';

/** Admin API: `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time. */
@Injectable()
export class AdminGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(@Inject(GATEWAY_CONFIG) config: Pick<GatewayConfig, 'ADMIN_TOKEN'>) {
    this.expected = digest(config.ADMIN_TOKEN);
  }

  canActivate(context: ExecutionContext): boolean {
    const token = bearerToken(context.switchToHttp().getRequest<GatewayRequest>().headers.authorization);
    if (token === null) throw new DomainError('UNAUTHENTICATED', 'an admin token is required');
    // Digests have equal length whatever was sent, so the comparison time says nothing about the token.
    if (!timingSafeEqual(digest(token), this.expected))
      throw new DomainError('UNAUTHENTICATED', 'invalid admin token');
    return true;
  }
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
