import { Injectable } from '@nestjs/common';
import { SERVICES, ServiceName } from '@pupitre/shared';
import { ConsumerStatus, RequestClient } from '../kafka';

export const PING_TIMEOUT_MS = 2000;

export type ServiceState = 'up' | 'down';
export type Readiness = { ready: boolean; services: Record<'gateway' | ServiceName, ServiceState> };

/** Ready = this gateway consumes its topics and every service answers a ping through Kafka. */
@Injectable()
export class ReadinessService {
  constructor(
    private readonly client: RequestClient,
    private readonly consumer: ConsumerStatus,
  ) {}

  async check(): Promise<Readiness> {
    const pings = await Promise.all(
      SERVICES.map(async (service): Promise<[ServiceName, ServiceState]> => {
        try {
          await this.client.request(service, 'system.ping', {}, { timeoutMs: PING_TIMEOUT_MS });
          return [service, 'up'];
        } catch {
          return [service, 'down'];
        }
      }),
    );
    const services = {
      gateway: this.consumer.isConsuming() ? 'up' : 'down',
      ...Object.fromEntries(pings),
    } as Readiness['services'];
    return { ready: Object.values(services).every((s) => s === 'up'), services };
  }
}
