import { Inject, Injectable } from '@nestjs/common';
import { Liveness, SERVICES, ServiceMetrics, ServiceName, serviceHeartbeatSchema } from '@pupitre/shared';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/env.validation';
import { ConsumerStatus, ReplyPathProbe } from '../kafka';

export type ServiceState = 'up' | 'down';
export type Readiness = { ready: boolean; services: Record<'gateway' | ServiceName, ServiceState> };
export type SelfReadiness = {
  ready: boolean;
  checks: Record<'consumer' | 'replyPath', ServiceState>;
  reasons: string[];
};

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
    private readonly replyPath: ReplyPathProbe,
    metrics: ServiceMetrics,
  ) {
    metrics.gauge(
      'pupitre_service_up',
      "1 while a service's heartbeats are recent (what /health/ready counts), by service",
      ['target'],
      (set) => {
        for (const [target, state] of Object.entries(this.check().services))
          set({ target }, state === 'up' ? 1 : 0);
      },
    );
    metrics.gauge('pupitre_gateway_ready_self', '1 while /health/ready/self is 200', [], (set) =>
      set({}, this.checkSelf({ live: true }).ready ? 1 : 0),
    );
  }

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

  /**
   * This gateway alone: its consumer loop alive and in its group, and a reply it sent itself came back
   * through the broker recently (ReplyPathProbe). Nothing about the other services.
   */
  checkSelf(live: Liveness, now = Date.now()): SelfReadiness {
    const reasons: string[] = [];
    if (!live.live) reasons.push(`consumer: ${live.reason}`);
    else if (!this.consumer.isConsuming()) reasons.push('consumer: not in its group');
    const age = this.replyPath.ageMs(now);
    const maxAge = this.config.READINESS_MAX_HEARTBEAT_AGE_MS;
    const replyPathUp = age !== null && age <= maxAge;
    if (!replyPathUp) {
      reasons.push(
        age === null
          ? 'reply path: no reply through the broker yet'
          : `reply path: last round trip through the broker ${Math.round(age / 1000)} s ago`,
      );
    }
    return {
      ready: reasons.length === 0,
      checks: {
        consumer: reasons[0]?.startsWith('consumer') ? 'down' : 'up',
        replyPath: replyPathUp ? 'up' : 'down',
      },
      reasons,
    };
  }
}
