import { Module } from '@nestjs/common';
import { RoutingEventsEmitter } from './routing-events.emitter';

@Module({ providers: [RoutingEventsEmitter], exports: [RoutingEventsEmitter] })
export class EventsModule {}
