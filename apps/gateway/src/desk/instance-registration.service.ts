import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { DomainError, sleep } from '@pupitre/shared';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/env.validation';
import { SocketHub } from '../fanout';
import { ConsumerStatus, RequestClient } from '../kafka';

const JOIN_WAIT_MS = 15_000;

/**
 * At boot, routing forgets the desk connections an earlier run of this instance left behind
 * (`desk.instance-started`). Desks may connect only once that is done: a new connection recorded
 * before the clean-up would be wiped by it (the two requests travel on different partitions).
 * At shutdown the same request lets routing know at once that this instance's desks are gone.
 *
 * While it runs, the instance tells routing it is alive (`desk.instance-alive`, every
 * DESK_INSTANCE_HEARTBEAT_MS): an instance that dies without stopping leaves no ghost desks, routing
 * drops them once it has been silent for its DESK_INSTANCE_TTL_MS. If routing answers that it had
 * dropped them (this instance was paused or cut off that long), every desk socket here is ended; the
 * desks connect again and are counted again.
 */
@Injectable()
export class InstanceRegistration implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(InstanceRegistration.name);
  private done = false;
  private stopped = false;
  private markDone!: () => void;
  private readonly registered = new Promise<void>((resolve) => (this.markDone = resolve));
  private heartbeat: NodeJS.Timeout | null = null;
  private beating = false;

  constructor(
    private readonly client: RequestClient,
    private readonly consumer: ConsumerStatus,
    private readonly hub: SocketHub,
    @Inject(GATEWAY_CONFIG)
    private readonly config: Pick<
      GatewayConfig,
      'GATEWAY_INSTANCE_ID' | 'REQUEST_TIMEOUT_MS' | 'DESK_INSTANCE_HEARTBEAT_MS'
    >,
  ) {}

  onApplicationBootstrap(): void {
    void this.register();
  }

  /** Before sockets and Kafka close: new desks are refused, and routing drops this instance's desks. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (!this.done) return;
    const gatewayInstance = this.config.GATEWAY_INSTANCE_ID;
    try {
      await this.client.request(
        'routing',
        'desk.instance-started',
        { gatewayInstance },
        { key: gatewayInstance, timeoutMs: 2000 },
      );
    } catch (err) {
      this.logger.warn(`could not tell routing this instance stops: ${(err as Error).message}`);
    }
  }

  /** True once shutdown began: per-desk clean-up is left to the instance-wide one. */
  get stopping(): boolean {
    return this.stopped;
  }

  /** Resolves once routing has acknowledged this instance; UNAVAILABLE if that does not happen in time. */
  async whenRegistered(timeoutMs = this.config.REQUEST_TIMEOUT_MS): Promise<void> {
    if (this.stopped)
      throw new DomainError('UNAVAILABLE', 'this gateway is shutting down; try again shortly');
    if (this.done) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new DomainError('UNAVAILABLE', 'the desk service is starting; try again shortly')),
        timeoutMs,
      );
    });
    try {
      await Promise.race([this.registered, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async register(): Promise<void> {
    const gatewayInstance = this.config.GATEWAY_INSTANCE_ID;
    // The reply comes through this instance's consumer: asking before it has joined would lose it.
    for (
      const until = Date.now() + JOIN_WAIT_MS;
      !this.consumer.isConsuming() && Date.now() < until && !this.stopped;
    ) {
      await sleep(50);
    }
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        await this.client.request(
          'routing',
          'desk.instance-started',
          { gatewayInstance },
          { key: gatewayInstance },
        );
        this.logger.log(`routing acknowledged gateway instance ${gatewayInstance}`);
        break;
      } catch (err) {
        const transient = err instanceof DomainError && err.code === 'UNAVAILABLE';
        if (!transient) {
          this.logger.error(
            `desk.instance-started refused: ${(err as Error).message}; desks are let in anyway`,
          );
          break;
        }
        if (attempt === 1 || attempt % 10 === 0)
          this.logger.warn(`waiting for routing (attempt ${attempt}): ${err.message}`);
        await sleep(Math.min(500 * attempt, 5000));
      }
    }
    this.done = true;
    this.markDone();
    if (this.stopped) return;
    this.heartbeat = setInterval(() => void this.beat(), this.config.DESK_INSTANCE_HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** One heartbeat; it may wait in routing's queue for a few intervals before it counts as lost. */
  async beat(): Promise<void> {
    if (this.beating || this.stopped) return;
    this.beating = true;
    const gatewayInstance = this.config.GATEWAY_INSTANCE_ID;
    try {
      const { known } = await this.client.request(
        'routing',
        'desk.instance-alive',
        { gatewayInstance },
        { key: gatewayInstance, timeoutMs: 3 * this.config.DESK_INSTANCE_HEARTBEAT_MS },
      );
      if (known === false && !this.stopped) {
        this.logger.warn(
          `routing had dropped the desks of gateway instance ${gatewayInstance} (silent too long): ` +
            'ending its desk sockets so that they connect again',
        );
        this.hub.desk.disconnectSockets(true);
      }
    } catch (err) {
      this.logger.warn(`desk.instance-alive not answered: ${(err as Error).message}`);
    } finally {
      this.beating = false;
    }
  }
}
