import { Module } from '@nestjs/common';
import { ConversationsModule } from '../conversations';
import { ViewsModule } from '../views';
import { AssignmentProjectionService } from './assignment-projection.service';
import { AssignmentsRepository } from './assignments.repository';

@Module({
  imports: [ConversationsModule, ViewsModule],
  providers: [AssignmentsRepository, AssignmentProjectionService],
  exports: [AssignmentProjectionService],
})
export class AssignmentsModule {}
