import { Inject, Injectable } from '@nestjs/common';
import { SERVICES, ServiceName, serviceHeartbeatSchema } from '@pupitre/shared';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/env.validation';
import { ConsumerStatus } from '../kafka';

export type ServiceState = 'up' | 'down';
export type Readiness = { ready: boolean; services: Record<'gateway' | ServiceName, ServiceState> };

const isService = (name: string): name is ServiceName => (SERVICES as readonly string[]).includes(name);

/**
 * Ready = this gateway consumes its topics and every service published a heartbeat recently (each
 * service sends one a second while its consumer is in its group, on `service.heartbeats`). Answered
 * from memory: a probe never waits behind the services' request backlog, nor makes a Kafka round trip.
 */
@Injectable()
export class ReadinessService {
  private readonly lastBeat = new Map<ServiceName, number>();

  constructor(
    private readonly consumer: ConsumerStatus,
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'READINESS_MAX_HEARTBEAT_AGE_MS'>,
  ) {}

  /** A value from `service.heartbeats`; invalid or unknown ones are ignored. */
  onHeartbeat(value: unknown): void {
    const parsed = serviceHeartbeatSchema.safeParse(value);
    if (!parsed.success || !isService(parsed.data.service)) return;
    const at = Date.parse(parsed.data.sentAt);
    const service = parsed.data.service;
    if (at > (this.lastBeat.get(service) ?? 0)) this.lastBeat.set(service, at);
  }

  check(now = Date.now()): Readiness {
    const maxAge = this.config.READINESS_MAX_HEARTBEAT_AGE_MS;
    const services = { gateway: this.consumer.isConsuming() ? 'up' : 'down' } as Readiness['services'];
    for (const service of SERVICES) {
      const last = this.lastBeat.get(service);
      services[service] = last !== undefined && now - last <= maxAge ? 'up' : 'down';
    }
    return { ready: Object.values(services).every((s) => s === 'up'), services };
  }
}
