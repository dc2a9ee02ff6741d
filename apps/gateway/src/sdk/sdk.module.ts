import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { KafkaModule } from '../kafka';
import { VisitorMessagesController } from './visitor-messages.controller';
import { VisitorRateLimitGuard } from './visitor-rate-limit.guard';
import { VisitorsController } from './visitors.controller';

/** SDK API (CONTRACT.md): visitors register, post messages and read their history. */
@Module({
  imports: [AuthModule, KafkaModule],
  controllers: [VisitorsController, VisitorMessagesController],
  providers: [VisitorRateLimitGuard],
})
export class SdkModule {}
