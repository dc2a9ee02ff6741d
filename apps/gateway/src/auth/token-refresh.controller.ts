import { Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { DomainError } from '@pupitre/shared';
import { RequestClient } from '../kafka';
import { RateLimits, VisitorWriteRateLimitGuard } from '../limits';
import type { GatewayRequest } from './http-request';
import { bearerToken, TokenService } from './token.service';
import { CurrentVisitor, VisitorGuard } from './visitor.guard';
import type { VisitorPrincipal } from './token.service';

/**
 * Refresh paths (docs/contract.md, Tokens): a current, unexpired token buys a new one with a full
 * lifetime. An agent's is checked against routing's token version, so a rotated token buys nothing.
 * Both are rate limited: a visitor's with their writes, an agent's with their desk commands (it costs
 * routing a read).
 */
@Controller('v1')
export class TokenRefreshController {
  constructor(
    private readonly tokens: TokenService,
    private readonly client: RequestClient,
    private readonly limits: RateLimits,
  ) {}

  @Post('visitor/token')
  @HttpCode(201)
  @UseGuards(VisitorGuard, VisitorWriteRateLimitGuard)
  refreshVisitor(@CurrentVisitor() visitor: VisitorPrincipal): { token: string } {
    return { token: this.tokens.signVisitor(visitor.visitorId, visitor.channel) };
  }

  @Post('agent/token')
  @HttpCode(201)
  async refreshAgent(@Req() req: GatewayRequest): Promise<{ token: string }> {
    const { agentId, tokenVersion } = this.tokens.verifyAgent(bearerToken(req.headers.authorization));
    this.limits.take('agentCommands', agentId);
    const current = await this.client
      .request('routing', 'agent.token-version', { agentId }, { key: agentId })
      .catch((err: unknown) => {
        if (err instanceof DomainError && err.code === 'NOT_FOUND') return null;
        throw err;
      });
    if (current?.tokenVersion !== tokenVersion)
      throw new DomainError('UNAUTHENTICATED', 'this desk token has been replaced');
    return { token: this.tokens.signAgent(agentId, tokenVersion) };
  }
}
