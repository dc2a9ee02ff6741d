import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { FanoutModule } from '../fanout';
import { SocketLimitsModule } from '../socket-limits';
import { VisitorGateway } from './visitor.gateway';

/** The visitor's socket (CONTRACT.md, `/visitor`): live messages for the SDK. */
@Module({
  imports: [AuthModule, FanoutModule, SocketLimitsModule],
  providers: [VisitorGateway],
})
export class VisitorSocketModule {}
