import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents';
import { AssignmentModule } from '../assignment';
import { ConversationsModule } from '../conversations';
import { AgentSettingsService } from './agent-settings.service';
import { DeskViewService } from './desk-view.service';
import { GatewayInstancesRepository } from './gateway-instances.repository';
import { InstanceExpiry } from './instance-expiry.service';
import { PresenceService } from './presence.service';

/** The agent at the desk: presence (and the gateway instances it goes through), capacity settings, and what they hold now. */
@Module({
  imports: [AgentsModule, AssignmentModule, ConversationsModule],
  providers: [
    PresenceService,
    AgentSettingsService,
    DeskViewService,
    GatewayInstancesRepository,
    InstanceExpiry,
  ],
  exports: [PresenceService, AgentSettingsService, DeskViewService, InstanceExpiry],
})
export class DeskModule {}
