import { Module } from '@nestjs/common';
import { KafkaModule } from '../kafka';
import { HealthController } from './health.controller';
import { ReadinessService } from './readiness.service';

/** /health/live and /health/ready (the whole system up and consuming). */
@Module({
  imports: [KafkaModule],
  controllers: [HealthController],
  providers: [ReadinessService],
})
export class HealthModule {}
