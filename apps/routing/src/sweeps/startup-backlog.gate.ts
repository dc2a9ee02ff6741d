import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { CONVERSATION_EVENTS, ConsumerProgress, hasReached, PartitionEnds } from '@pupitre/shared';
import type { RoutingConfig } from '../config/env.validation';
import { ROUTING_CONFIG, ROUTING_SERVICE } from '../config/routing.config';

/**
 * R9–R11 judge silence from routing's view of the messages. Right after a start that view is behind
 * the conversation events that piled up meanwhile: an agent's reply may sit unread, and a deadline
 * would take away a conversation that was answered in time. The gate opens once routing's group has
 * processed everything the topic held when this instance first asked, and then stays open.
 */
@Injectable()
export class StartupBacklogGate implements OnApplicationShutdown {
  private readonly logger = new Logger(StartupBacklogGate.name);
  private readonly progress: ConsumerProgress;
  private targets: PartitionEnds[] | null = null;
  private open = false;
  private lastWaitLog = 0;

  constructor(@Inject(ROUTING_CONFIG) config: RoutingConfig) {
    this.progress = new ConsumerProgress(config, ROUTING_SERVICE, CONVERSATION_EVENTS);
  }

  async isOpen(now: Date): Promise<boolean> {
    if (this.open) return true;
    try {
      this.targets ??= await this.progress.ends();
      if (hasReached(this.targets, await this.progress.committed())) {
        this.open = true;
        this.logger.log('caught up with conversation events: deadlines are acted on');
        await this.progress.close();
      } else if (now.getTime() - this.lastWaitLog >= 10_000) {
        this.lastWaitLog = now.getTime();
        this.logger.log('catching up with conversation events before acting on deadlines');
      }
    } catch (err) {
      this.logger.warn(`cannot read consumer progress yet: ${(err as Error).message}`);
    }
    return this.open;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.progress.close().catch(() => undefined);
  }
}
