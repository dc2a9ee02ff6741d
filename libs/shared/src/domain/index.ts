export * from './capabilities';
export * from './message-text';
export * from './name-based-id';
