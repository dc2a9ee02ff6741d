import { Module } from '@nestjs/common';
import { KafkaProducer } from '@pupitre/shared';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/env.validation';
import { ConsumerStatus } from './consumer-status';
import { ReplyPathProbe } from './reply-path.probe';
import { RepliesConsumer } from './replies.consumer';
import { REQUEST_SINK, RequestClient } from './request.client';

/** Requests to the services over Kafka and their replies; whether the gateway's consumers run. */
@Module({
  providers: [
    RepliesConsumer,
    {
      provide: REQUEST_SINK,
      inject: [GATEWAY_CONFIG],
      useFactory: (config: GatewayConfig) => new KafkaProducer(config, 'gateway-producer'),
    },
    RequestClient,
    ConsumerStatus,
    ReplyPathProbe,
  ],
  exports: [RequestClient, ConsumerStatus, ReplyPathProbe],
})
export class KafkaModule {}
