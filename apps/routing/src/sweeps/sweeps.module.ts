import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents';
import { AssignmentModule } from '../assignment';
import { ConversationsModule } from '../conversations';
import { DeskModule } from '../desk';
import { EventsModule } from '../events';
import { DeadlinePublicationSweep } from './deadline-publication.sweep';
import { InactivityCloseSweep } from './inactivity-close.sweep';
import { ReassignmentSweep } from './reassignment.sweep';
import { StartupBacklogGate } from './startup-backlog.gate';
import { RoutingSweeper } from './routing.sweeper';
import { SweepsService } from './sweeps.service';

/**
 * The periodic sweeps (R9/R10 reassignment, R11 inactivity close, the queue) behind the startup gate,
 * the deadlines marked for publication, and silent gateway instances' desks.
 */
@Module({
  imports: [AgentsModule, AssignmentModule, ConversationsModule, DeskModule, EventsModule],
  providers: [
    ReassignmentSweep,
    InactivityCloseSweep,
    DeadlinePublicationSweep,
    SweepsService,
    StartupBacklogGate,
    RoutingSweeper,
  ],
})
export class SweepsModule {}
