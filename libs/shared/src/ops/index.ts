export * from './endpoints';
export * from './cached-check';
export * from './kafka-probe';
export * from './liveness';
export * from './ops-env';
export * from './ops.module';
export * from './service-health';
export * from './service-metrics';
