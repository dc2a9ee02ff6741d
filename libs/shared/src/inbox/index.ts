export * from './inbox';
export * from './carried-inbox';
export * from './transient';
export * from './request-processor';
export * from './typed-handlers';
export * from './dead-letters';
export * from './replay-headers';
