import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents';
import { AssignmentModule } from '../assignment';
import { ConversationsModule } from '../conversations';
import { AgentSettingsService } from './agent-settings.service';
import { DeskViewService } from './desk-view.service';
import { PresenceService } from './presence.service';

/** The agent at the desk: presence, capacity settings, and what they hold now. */
@Module({
  imports: [AgentsModule, AssignmentModule, ConversationsModule],
  providers: [PresenceService, AgentSettingsService, DeskViewService],
  exports: [PresenceService, AgentSettingsService, DeskViewService],
})
export class DeskModule {}
