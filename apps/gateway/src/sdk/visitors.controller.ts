import { Body, Controller, Post, UseGuards } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { TokenService } from '../auth';
import { RequestClient } from '../kafka';
import { RegistrationRateLimitGuard } from '../limits';
import { parseRegisterVisitor } from './sdk.schemas';

/** SDK API: a visitor registers (public, rate limited per client address) and gets a token. */
@Controller('v1/visitors')
export class VisitorsController {
  constructor(
    private readonly client: RequestClient,
    private readonly tokens: TokenService,
  ) {}

  @Post()
  @UseGuards(RegistrationRateLimitGuard)
  async register(@Body() body: unknown) {
    const visitor = { visitorId: randomUUID(), ...parseRegisterVisitor(body) };
    const { visitorId } = await this.client.request('conversation', 'visitor.register', visitor, {
      key: visitor.visitorId,
    });
    return { visitorId, token: this.tokens.signVisitor(visitorId, visitor.channel) };
  }
}
