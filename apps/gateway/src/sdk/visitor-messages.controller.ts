import { Body, Controller, Get, Headers, Param, Post, Query, UseGuards } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import type { PostedMessage, VisitorConversationSummary } from '@pupitre/shared';
import { CurrentVisitor, VisitorGuard, type VisitorPrincipal } from '../auth';
import { DeskFeedLag, QueuePositions } from '../fanout';
import { admittedByDoor, isRetry, PathIdPipe } from '../http';
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
  constructor(
    private readonly client: RequestClient,
    private readonly positions: QueuePositions,
    private readonly feedLag: DeskFeedLag,
  ) {}

  @Post('messages')
  @UseGuards(VisitorWriteRateLimitGuard)
  async post(
    @CurrentVisitor() v: VisitorPrincipal,
    @Body() body: unknown,
    @Headers() headers: IncomingHttpHeaders,
  ): Promise<PostedMessage> {
    const data = { visitorId: v.visitorId, ...parsePostMessage(body) };
    const { replayed, ...posted } = await this.client.request('conversation', 'visitor.post-message', data, {
      key: v.visitorId,
      admitted: admittedByDoor(headers),
      retry: isRetry(headers),
    });
    // A new message reaches the desks through this gateway's feed: the load shedder watches for it.
    if (!replayed) this.feedLag.accepted(posted.messageId);
    return posted;
  }

  /** A queued conversation also shows its place, from the queue snapshots this gateway holds. */
  @Get('conversations')
  async conversations(@CurrentVisitor() v: VisitorPrincipal): Promise<VisitorConversationSummary[]> {
    const list = await this.client.request(
      'conversation',
      'visitor.list-conversations',
      { visitorId: v.visitorId },
      { key: v.visitorId },
    );
    return list.map((c) => {
      const place = c.status === 'queued' ? this.positions.of(c.channel, c.id) : undefined;
      if (!place) return c;
      const { position, estimatedWaitSeconds } = place;
      return {
        ...c,
        queuePosition: position,
        ...(estimatedWaitSeconds === undefined ? {} : { estimatedWaitSeconds }),
      };
    });
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
