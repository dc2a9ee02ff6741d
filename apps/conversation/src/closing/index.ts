export { ClosingModule } from './closing.module';
export { CloseByAgentService } from './close-by-agent.service';
export { BlockVisitorService } from './block-visitor.service';
export { InactivityCloseService } from './inactivity-close.service';
