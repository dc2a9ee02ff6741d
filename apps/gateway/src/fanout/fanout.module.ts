import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { KafkaModule } from '../kafka';
import { EventsConsumer } from './events.consumer';
import { FanoutService } from './fanout.service';
import { SocketHub } from './socket-hub';

/** The live feed: events from the services, told to the sockets of this instance. */
@Module({
  imports: [KafkaModule, AuthModule],
  controllers: [EventsConsumer],
  providers: [SocketHub, FanoutService],
  exports: [SocketHub],
})
export class FanoutModule {}
