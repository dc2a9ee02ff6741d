import { Module } from '@nestjs/common';
import { EventsModule } from '../events';
import { AgentDirectoryService } from './agent-directory.service';
import { AgentsRepository } from './agents.repository';
import { SlotsChangedNotifier } from './slots-changed.notifier';

/** Agents, their desk connections and slot counts (storage), and the admin API's directory. */
@Module({
  imports: [EventsModule],
  providers: [AgentsRepository, SlotsChangedNotifier, AgentDirectoryService],
  exports: [AgentsRepository, SlotsChangedNotifier, AgentDirectoryService],
})
export class AgentsModule {}
