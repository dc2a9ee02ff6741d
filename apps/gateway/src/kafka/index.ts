export { KafkaModule } from './kafka.module';
export { overloadedMessage, RequestClient } from './request.client';
export { ConsumerStatus } from './consumer-status';
export { ReplyPathProbe } from './reply-path.probe';
