import { Module } from '@nestjs/common';
import { AssignmentsModule } from '../assignments';
import { CannedModule } from '../canned';
import { ClosingModule } from '../closing';
import { ConversationsModule } from '../conversations';
import { MessagesModule } from '../messages';
import { PushModule } from '../push';
import { TagsModule } from '../tags';
import { ViewsModule } from '../views';
import { VisitorsModule } from '../visitors';
import { ConversationRequestsConsumer } from './conversation-requests.consumer';
import { RoutingEventsConsumer } from './routing-events.consumer';

/** The service's Kafka edges: one consumer per topic, each handler a line that calls one use case. */
@Module({
  imports: [
    VisitorsModule,
    MessagesModule,
    TagsModule,
    CannedModule,
    ClosingModule,
    ViewsModule,
    AssignmentsModule,
    PushModule,
    ConversationsModule,
  ],
  controllers: [ConversationRequestsConsumer, RoutingEventsConsumer],
})
export class ConsumersModule {}
