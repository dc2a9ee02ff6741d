import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents';
import { ConversationsModule } from '../conversations';
import { EventsModule } from '../events';
import { AssignmentService } from './assignment.service';
import { ChannelLocks } from './channel-locks';
import { QueueSnapshotPublisher } from './queue-snapshot.publisher';

/** Matching the queue to free slots, and the channel locks every slot change takes first. */
@Module({
  imports: [AgentsModule, ConversationsModule, EventsModule],
  providers: [ChannelLocks, AssignmentService, QueueSnapshotPublisher],
  exports: [ChannelLocks, AssignmentService, QueueSnapshotPublisher],
})
export class AssignmentModule {}
