import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents';
import { DeskModule } from '../desk';
import { FlowModule } from '../flow';
import { RoutingConsumer } from './routing.consumer';

/** Routing's Kafka edges: each handler parses and calls one use case. */
@Module({ imports: [AgentsModule, DeskModule, FlowModule], controllers: [RoutingConsumer] })
export class ConsumerModule {}
