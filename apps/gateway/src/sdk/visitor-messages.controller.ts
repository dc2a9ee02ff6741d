import { Body, Controller, Get, Param, Post, Query, UseGuards } from '@nestjs/common';
import type { PostedMessage, VisitorConversationSummary } from '@pupitre/shared';
import { CurrentVisitor, VisitorGuard, type VisitorPrincipal } from '../auth';
import { PathIdPipe } from '../http';
import { RequestClient } from '../kafka';
import { VisitorWriteRateLimitGuard } from '../limits';
import { parseListMessagesQuery, parsePostMessage } from './sdk.schemas';

/**
 * SDK API for an authenticated visitor: write, list conversations, read a conversation's messages.
 * Writes are rate limited per visitor (after VisitorGuard, which runs first as the controller's guard).
 */
@Controller('v1/visitor')
@UseGuards(VisitorGuard)
export class VisitorMessagesController {
  constructor(private readonly client: RequestClient) {}

  @Post('messages')
  @UseGuards(VisitorWriteRateLimitGuard)
  post(@CurrentVisitor() v: VisitorPrincipal, @Body() body: unknown): Promise<PostedMessage> {
    const data = { visitorId: v.visitorId, ...parsePostMessage(body) };
    return this.client.request('conversation', 'visitor.post-message', data, { key: v.visitorId });
  }

  @Get('conversations')
  conversations(@CurrentVisitor() v: VisitorPrincipal): Promise<VisitorConversationSummary[]> {
    return this.client.request(
      'conversation',
      'visitor.list-conversations',
      { visitorId: v.visitorId },
      { key: v.visitorId },
    );
  }

  @Get('conversations/:id/messages')
  messages(
    @CurrentVisitor() v: VisitorPrincipal,
    @Param('id', PathIdPipe) conversationId: string,
    @Query() query: unknown,
  ) {
    const data = { visitorId: v.visitorId, conversationId, ...parseListMessagesQuery(query) };
    return this.client.request('conversation', 'visitor.list-messages', data, { key: conversationId });
  }
}
