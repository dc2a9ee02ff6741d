export * from './kafka-options';
export * from './kafka-server';
export * from './kafka-producer';
export * from './topic-admin';
export * from './consumer-progress';
export * from './group-takeover';
export * from './kafka-feed';
export * from './event-type-header';
