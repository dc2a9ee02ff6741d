import { Body, Controller, Delete, HttpCode, Put, UseGuards } from '@nestjs/common';
import { pushTokenBody } from '@pupitre/shared';
import { CurrentVisitor, VisitorGuard, type VisitorPrincipal } from '../auth';
import { parseInput } from '../http';
import { RequestClient } from '../kafka';
import { VisitorWriteRateLimitGuard } from '../limits';

/**
 * CONTRACT.md Additions: the device's push token, one per visitor, the latest wins; removable.
 * Writes, so limited with the visitor's other writes (each is a conversation request).
 */
@Controller('v1/visitor/push-token')
@UseGuards(VisitorGuard, VisitorWriteRateLimitGuard)
export class PushTokenController {
  constructor(private readonly client: RequestClient) {}

  @Put()
  @HttpCode(204)
  async put(@CurrentVisitor() v: VisitorPrincipal, @Body() body: unknown): Promise<void> {
    const data = { visitorId: v.visitorId, ...parseInput(pushTokenBody, body) };
    await this.client.request('conversation', 'visitor.set-push-token', data, { key: v.visitorId });
  }

  @Delete()
  @HttpCode(204)
  async remove(@CurrentVisitor() v: VisitorPrincipal): Promise<void> {
    const data = { visitorId: v.visitorId };
    await this.client.request('conversation', 'visitor.clear-push-token', data, { key: v.visitorId });
  }
}
