export { VisitorsModule } from './visitors.module';
export { VisitorsRepository } from './visitors.repository';
export { RegisterVisitorService } from './register-visitor.service';
export { BLOCK_CLOSE_REASON, refuseIfBlocked } from './domain/blocking';
