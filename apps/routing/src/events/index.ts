export { EventsModule } from './events.module';
export { RoutingEventsEmitter } from './routing-events.emitter';
