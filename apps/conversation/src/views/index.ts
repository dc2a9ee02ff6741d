export { ViewsModule } from './views.module';
export { ConversationViewsService } from './conversation-views.service';
