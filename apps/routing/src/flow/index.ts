export { FlowModule } from './flow.module';
export { ConversationEventsHandler } from './conversation-events.handler';
export { DeskActionsService } from './desk-actions.service';
export { RequestBatchLocks, requestBatchLockPlan, RoutingLocks } from './request-batch-locks';
