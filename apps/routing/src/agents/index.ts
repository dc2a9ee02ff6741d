export { AgentsModule } from './agents.module';
export { AgentDirectoryService } from './agent-directory.service';
export { AgentsRepository, type AgentRow } from './agents.repository';
export { agentSlots, toAgentView } from './agent-view';
export { changesChoice, statusOf } from './domain/agent-status';
export { SlotsChange, SlotsChangedNotifier } from './slots-changed.notifier';
