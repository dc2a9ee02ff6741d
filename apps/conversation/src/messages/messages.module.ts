import { Module } from '@nestjs/common';
import { ConversationsModule } from '../conversations';
import { PushModule } from '../push';
import { ListAgentMessagesService } from './list-agent-messages.service';
import { ListVisitorMessagesService } from './list-visitor-messages.service';
import { MessagePoster } from './message-poster';
import { MessagesRepository } from './messages.repository';
import { PostAgentMessageService } from './post-agent-message.service';
import { PostVisitorMessageService } from './post-visitor-message.service';
import { BatchReadAhead } from './batch-read-ahead';

@Module({
  imports: [ConversationsModule, PushModule],
  providers: [
    MessagesRepository,
    MessagePoster,
    BatchReadAhead,
    PostVisitorMessageService,
    PostAgentMessageService,
    ListVisitorMessagesService,
    ListAgentMessagesService,
  ],
  exports: [
    MessagesRepository,
    BatchReadAhead,
    PostVisitorMessageService,
    PostAgentMessageService,
    ListVisitorMessagesService,
    ListAgentMessagesService,
  ],
})
export class MessagesModule {}
