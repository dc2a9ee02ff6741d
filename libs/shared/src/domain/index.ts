export * from './capabilities';
export * from './message-text';
