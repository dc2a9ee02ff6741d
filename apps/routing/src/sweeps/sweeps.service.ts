import { Injectable, Logger } from '@nestjs/common';
import { CHANNELS } from '@pupitre/shared';
import { AssignmentService } from '../assignment';
import { InstanceExpiry } from '../desk';
import { DeadlinePublicationSweep } from './deadline-publication.sweep';
import { InactivityCloseSweep } from './inactivity-close.sweep';
import { ReassignmentSweep } from './reassignment.sweep';

/**
 * One sweep: R9/R10 take overdue conversations away, R11 asks conversation to close inactive ones,
 * the deadlines of conversations marked for it are published (an upgrade marks them), the queue gets
 * a matching round in case a trigger was lost, and the desks of gateway instances silent too long
 * are dropped. Safe in
 * several instances: channel lock + SKIP LOCKED + conditional updates.
 */
@Injectable()
export class SweepsService {
  private readonly logger = new Logger(SweepsService.name);

  constructor(
    private readonly reassignment: ReassignmentSweep,
    private readonly inactivity: InactivityCloseSweep,
    private readonly publication: DeadlinePublicationSweep,
    private readonly assignment: AssignmentService,
    private readonly instances: InstanceExpiry,
  ) {}

  /** `deadlines: false` while routing's view of the messages is still catching up (after a start). */
  async sweep(now: Date, { deadlines }: { deadlines: boolean }): Promise<void> {
    if (deadlines) {
      for (const channel of CHANNELS)
        await this.guard(`reassignment (${channel})`, () => this.reassignment.reassignDue(channel, now));
      await this.guard('inactivity closes', () => this.inactivity.closeDue(now));
    }
    await this.guard('deadline publication', () => this.publication.publishDeadlines());
    for (const channel of CHANNELS)
      await this.guard(`queue (${channel})`, () => this.assignment.assignPending(channel, now));
    await this.guard('silent gateway instances', () => this.instances.expireSilent(now));
  }

  /** One failing step is logged and the sweep goes on; the next tick tries again. */
  private async guard(what: string, step: () => Promise<unknown>): Promise<void> {
    try {
      await step();
    } catch (err) {
      this.logger.error(`sweep step ${what} failed: ${(err as Error).message}`);
    }
  }
}
