import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents';
import { AssignmentModule } from '../assignment';
import { ConversationsModule } from '../conversations';
import { EventsModule } from '../events';
import { ConversationEventsHandler } from './conversation-events.handler';
import { DeskActionsService } from './desk-actions.service';
import { RequestBatchLocks } from './request-batch-locks';

/** A conversation's life in routing: queue, desk, release, transfer, close. */
@Module({
  imports: [AgentsModule, AssignmentModule, ConversationsModule, EventsModule],
  providers: [ConversationEventsHandler, DeskActionsService, RequestBatchLocks],
  exports: [ConversationEventsHandler, DeskActionsService, RequestBatchLocks],
})
export class FlowModule {}
