export { AssignmentModule } from './assignment.module';
export { AssignmentService } from './assignment.service';
export { ChannelLocks } from './channel-locks';
export { QueueSnapshotPublisher } from './queue-snapshot.publisher';
