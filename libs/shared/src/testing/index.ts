export * from './wait-for';
export * from './test-env';
export * from './test-requester';
export * from './service-harness';
export * from './ops-client';
export * from './statement-log';
