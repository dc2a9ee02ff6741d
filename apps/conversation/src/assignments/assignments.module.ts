import { Module } from '@nestjs/common';
import { ConversationsModule } from '../conversations';
import { AssignmentProjectionService } from './assignment-projection.service';
import { AssignmentsRepository } from './assignments.repository';

@Module({
  imports: [ConversationsModule],
  providers: [AssignmentsRepository, AssignmentProjectionService],
  exports: [AssignmentProjectionService],
})
export class AssignmentsModule {}
