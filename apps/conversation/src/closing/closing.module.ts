import { Module } from '@nestjs/common';
import { ConversationsModule } from '../conversations';
import { MessagesModule } from '../messages';
import { VisitorsModule } from '../visitors';
import { BlockVisitorService } from './block-visitor.service';
import { CloseByAgentService } from './close-by-agent.service';
import { ClosingRepository } from './closing.repository';
import { ConversationCloser } from './conversation-closer';
import { InactivityCloseService } from './inactivity-close.service';

/** Every way a conversation ends for good: R11 inactivity, R12 the agent, blocking. */
@Module({
  imports: [ConversationsModule, MessagesModule, VisitorsModule],
  providers: [
    ClosingRepository,
    ConversationCloser,
    CloseByAgentService,
    BlockVisitorService,
    InactivityCloseService,
  ],
  exports: [CloseByAgentService, BlockVisitorService, InactivityCloseService],
})
export class ClosingModule {}
