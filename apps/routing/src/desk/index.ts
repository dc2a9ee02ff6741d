export { DeskModule } from './desk.module';
export { AgentSettingsService } from './agent-settings.service';
export { DeskViewService } from './desk-view.service';
export { PresenceService } from './presence.service';
export { InstanceExpiry } from './instance-expiry.service';
