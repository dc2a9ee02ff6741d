import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { hostname } from 'node:os';
import type { Clock } from '../clock';
import { HEARTBEAT_INTERVAL_MS, SERVICE_HEARTBEATS, ServiceHeartbeat } from '../contracts';
import type { KafkaProducer } from '../kafka/kafka-producer';

/**
 * Publishes `service.heartbeats` every HEARTBEAT_INTERVAL_MS while the service's consumer has joined
 * its group, straight through the producer: readiness then never waits behind the request backlog
 * (the gateway answers `/health/ready` from the age of the last heartbeat of each service).
 */
@Injectable()
export class HeartbeatPublisher implements OnApplicationShutdown {
  private readonly logger = new Logger(HeartbeatPublisher.name);
  private readonly instance = `${hostname()}-${process.pid}`;
  private timer: NodeJS.Timeout | null = null;
  private sending = false;
  private failing = false;

  constructor(
    private readonly producer: Pick<KafkaProducer, 'send'>,
    private readonly service: string,
    private readonly clock: Clock,
    private readonly intervalMs = HEARTBEAT_INTERVAL_MS,
  ) {}

  /** `consuming`: whether the service's consumer is in its group now (KafkaServer.isConsuming). */
  start(consuming: () => boolean): void {
    if (this.timer) return;
    const beat = () => {
      if (consuming()) void this.beat();
    };
    this.timer = setInterval(beat, this.intervalMs);
    this.timer.unref();
    beat();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async beat(): Promise<void> {
    if (this.sending) return; // the previous one is still on its way: never pile them up
    this.sending = true;
    const heartbeat: ServiceHeartbeat = {
      service: this.service,
      instance: this.instance,
      sentAt: this.clock.now().toISOString(),
      intervalMs: this.intervalMs,
    };
    try {
      await this.producer.send(SERVICE_HEARTBEATS, [{ key: this.service, value: JSON.stringify(heartbeat) }]);
      if (this.failing) this.logger.log('heartbeats are sent again');
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.logger.warn(`heartbeat not sent: ${(err as Error).message}`);
      this.failing = true;
    } finally {
      this.sending = false;
    }
  }
}
