import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { FanoutModule } from '../fanout';
import { KafkaModule } from '../kafka';
import { SocketLimitsModule } from '../socket-limits';
import { DeskCommands } from './desk-commands';
import { DeskSessionService } from './desk-session.service';
import { DeskController } from './desk.controller';
import { DeskGateway } from './desk.gateway';
import { InstanceRegistration } from './instance-registration.service';

/** The agent desk: its page, its socket and the agents' sessions. */
@Module({
  imports: [AuthModule, KafkaModule, FanoutModule, SocketLimitsModule],
  controllers: [DeskController],
  providers: [InstanceRegistration, DeskSessionService, DeskCommands, DeskGateway],
})
export class DeskModule {}
