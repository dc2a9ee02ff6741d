export { TagsModule } from './tags.module';
export { TagConversationService } from './tag-conversation.service';
