import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { FanoutModule } from '../fanout';
import { KafkaModule } from '../kafka';
import { LimitsModule } from '../limits';
import { PushTokenController } from './push-token.controller';
import { VisitorMessagesController } from './visitor-messages.controller';
import { VisitorsController } from './visitors.controller';

/** SDK API (CONTRACT.md): visitors register, post messages and read their history. */
@Module({
  imports: [AuthModule, KafkaModule, LimitsModule, FanoutModule],
  controllers: [VisitorsController, VisitorMessagesController, PushTokenController],
})
export class SdkModule {}
