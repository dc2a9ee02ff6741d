import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { FanoutModule } from '../fanout';
import { KafkaModule } from '../kafka';
import { SocketLimitsModule } from '../socket-limits';
import { VisitorPresenceReporter } from './visitor-presence.reporter';
import { VisitorGateway } from './visitor.gateway';

/** The visitor's socket (CONTRACT.md, `/visitor`): live messages and queue places for the SDK; its presence, system-wide. */
@Module({
  imports: [AuthModule, FanoutModule, SocketLimitsModule, KafkaModule],
  providers: [VisitorGateway, VisitorPresenceReporter],
})
export class VisitorSocketModule {}
