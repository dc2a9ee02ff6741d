import { Module } from '@nestjs/common';
import { ConversationsModule } from '../conversations';
import { MessagesModule } from '../messages';
import { VisitorsModule } from '../visitors';
import { ConversationViewsService } from './conversation-views.service';

@Module({
  imports: [ConversationsModule, MessagesModule, VisitorsModule],
  providers: [ConversationViewsService],
  exports: [ConversationViewsService],
})
export class ViewsModule {}
