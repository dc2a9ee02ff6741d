export { EventsModule } from './events.module';
export { EventsAbout, RoutingEventsEmitter } from './routing-events.emitter';
