export * from './messaging.module';
export * from './heartbeat-publisher';
