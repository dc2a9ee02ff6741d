import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { KafkaModule } from '../kafka';
import { DeskFeedLag } from './desk-feed-lag';
import { DeskViews } from './desk-views';
import { EventsConsumer } from './events.consumer';
import { FanoutService } from './fanout.service';
import { QueuePositions } from './queue-positions';
import { SocketHub } from './socket-hub';

/** The live feed: events from the services, told to the sockets of this instance. */
@Module({
  imports: [KafkaModule, AuthModule],
  controllers: [EventsConsumer],
  providers: [SocketHub, DeskViews, FanoutService, DeskFeedLag, QueuePositions],
  exports: [SocketHub, DeskViews, FanoutService, DeskFeedLag, QueuePositions],
})
export class FanoutModule {}
