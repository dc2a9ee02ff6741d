export { MessagesModule } from './messages.module';
export { MessagesRepository } from './messages.repository';
export { PostVisitorMessageService } from './post-visitor-message.service';
export { PostAgentMessageService } from './post-agent-message.service';
export { ListVisitorMessagesService } from './list-visitor-messages.service';
export { ListAgentMessagesService } from './list-agent-messages.service';
export { BatchReadAhead } from './batch-read-ahead';
