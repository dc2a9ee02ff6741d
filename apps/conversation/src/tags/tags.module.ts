import { Module } from '@nestjs/common';
import { ConversationsModule } from '../conversations';
import { TagConversationService } from './tag-conversation.service';
import { TagsRepository } from './tags.repository';

@Module({
  imports: [ConversationsModule],
  providers: [TagsRepository, TagConversationService],
  exports: [TagConversationService],
})
export class TagsModule {}
