import { Module } from '@nestjs/common';
import { KafkaModule } from '../kafka';
import { HealthController } from './health.controller';
import { HeartbeatsConsumer } from './heartbeats.consumer';
import { ReadinessService } from './readiness.service';

/** /health/live and /health/ready (the whole system up and consuming, from the services' heartbeats). */
@Module({
  imports: [KafkaModule],
  controllers: [HealthController, HeartbeatsConsumer],
  providers: [ReadinessService],
})
export class HealthModule {}
