export * from './capabilities';
export * from './message-text';
export * from './name-based-id';
export * from './queue-wait';
export * from './response-window';
