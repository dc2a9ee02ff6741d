export { AssignmentsModule } from './assignments.module';
export { AssignmentProjectionService } from './assignment-projection.service';
