import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { sleep } from '@pupitre/shared';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/env.validation';
import { RequestClient } from '../kafka';
import { PresenceCounts } from './presence-counts';

/** Conversation counts an instance silent for 20 s as gone: a heartbeat every 5 s keeps it well inside. */
export const PRESENCE_HEARTBEAT_MS = 5_000;
const DISCONNECT_ATTEMPTS = 3;

/**
 * Tells conversation, system-wide, how many `/visitor` sockets each visitor has on this instance:
 * on connect (awaited before the socket is let in, so a connected socket is always known), on
 * disconnect, plus a heartbeat of the instance, and a reset at start and at shutdown. With several
 * gateways, conversation knows whether a visitor has a live socket on ANY of them, which is what
 * `notifications.push` waits on. Reports carry an increasing `seq`, so a late one never wins.
 */
@Injectable()
export class VisitorPresenceReporter implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(VisitorPresenceReporter.name);
  private readonly counts = new PresenceCounts();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly client: RequestClient,
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'GATEWAY_INSTANCE_ID'>,
  ) {}

  onApplicationBootstrap(): void {
    void this.resetAtStart();
    this.timer = setInterval(() => void this.heartbeat(), PRESENCE_HEARTBEAT_MS);
    this.timer.unref();
  }

  /**
   * Whatever an earlier run of this instance reported is gone (reports made after this one stay).
   * Retried until done: a stale count left behind would hold back that visitor's pushes while this
   * instance heartbeats.
   */
  private async resetAtStart(): Promise<void> {
    const seq = this.counts.nextSeq();
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        await this.reset(seq);
        return;
      } catch (err) {
        if (attempt === 1 || attempt % 10 === 0)
          this.logger.warn(`presence reset at start (attempt ${attempt}) failed: ${(err as Error).message}`);
        await sleep(Math.min(500 * attempt, 5000));
      }
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.reset(this.counts.nextSeq(), 2000).catch((err: Error) =>
      this.logger.warn(`could not tell conversation this instance's visitors are gone: ${err.message}`),
    );
  }

  /** A socket is being let in: known to conversation before it is (rejects when that fails). */
  async connecting(visitorId: string): Promise<void> {
    const report = this.counts.add(visitorId, 1);
    try {
      await this.send(visitorId, report.sockets, report.seq);
    } catch (err) {
      const undo = this.counts.add(visitorId, -1);
      void this.send(visitorId, undo.sockets, undo.seq).catch(() => undefined);
      throw err;
    }
  }

  /** A socket left; retried a few times, since a lost report would hold back this visitor's pushes. */
  disconnected(visitorId: string): void {
    const report = this.counts.add(visitorId, -1);
    void (async () => {
      for (let attempt = 1; attempt <= DISCONNECT_ATTEMPTS; attempt++) {
        try {
          return await this.send(visitorId, report.sockets, report.seq);
        } catch (err) {
          if (attempt === DISCONNECT_ATTEMPTS)
            this.logger.warn(`presence of visitor ${visitorId} not reported: ${(err as Error).message}`);
          else await sleep(500 * attempt);
        }
      }
    })();
  }

  private send(visitorId: string, sockets: number, seq: number): Promise<unknown> {
    const gatewayInstance = this.config.GATEWAY_INSTANCE_ID;
    return this.client.request(
      'conversation',
      'visitor.presence',
      { visitorId, gatewayInstance, sockets, seq },
      { key: visitorId },
    );
  }

  private async heartbeat(): Promise<void> {
    const gatewayInstance = this.config.GATEWAY_INSTANCE_ID;
    await this.client
      .request('conversation', 'gateway.heartbeat', { gatewayInstance }, { key: gatewayInstance })
      .catch((err: Error) => this.logger.warn(`presence heartbeat failed: ${err.message}`));
  }

  private reset(seq: number, timeoutMs?: number): Promise<unknown> {
    const gatewayInstance = this.config.GATEWAY_INSTANCE_ID;
    return this.client.request(
      'conversation',
      'gateway.presence-reset',
      { gatewayInstance, seq },
      { key: gatewayInstance, ...(timeoutMs ? { timeoutMs } : {}) },
    );
  }
}
