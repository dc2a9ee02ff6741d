import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { SERVICE_HEARTBEATS } from '@pupitre/shared';
import { ReadinessService } from './readiness.service';

/** `service.heartbeats`: every instance reads them all (its own group) to answer readiness. */
@Controller()
export class HeartbeatsConsumer {
  constructor(private readonly readiness: ReadinessService) {}

  @EventPattern(SERVICE_HEARTBEATS)
  onHeartbeat(@Payload() value: unknown): void {
    this.readiness.onHeartbeat(value);
  }
}
