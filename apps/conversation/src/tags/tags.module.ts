import { Module } from '@nestjs/common';
import { ConversationsModule } from '../conversations';
import { MessagesModule } from '../messages';
import { TagConversationService } from './tag-conversation.service';
import { TagsRepository } from './tags.repository';

@Module({
  imports: [ConversationsModule, MessagesModule],
  providers: [TagsRepository, TagConversationService],
  exports: [TagConversationService],
})
export class TagsModule {}
