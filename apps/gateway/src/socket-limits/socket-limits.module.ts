import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { LimitsModule } from '../limits';
import { SocketLimits } from './socket-limits.service';

/** Connection and event limits of both Socket.IO namespaces (docs/architecture.md, Floods). */
@Module({
  imports: [AuthModule, LimitsModule],
  providers: [SocketLimits],
  exports: [SocketLimits],
})
export class SocketLimitsModule {}
