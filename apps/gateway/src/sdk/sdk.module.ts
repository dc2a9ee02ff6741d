import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { KafkaModule } from '../kafka';
import { LimitsModule } from '../limits';
import { VisitorMessagesController } from './visitor-messages.controller';
import { VisitorsController } from './visitors.controller';

/** SDK API (CONTRACT.md): visitors register, post messages and read their history. */
@Module({
  imports: [AuthModule, KafkaModule, LimitsModule],
  controllers: [VisitorsController, VisitorMessagesController],
})
export class SdkModule {}
