import {
  DynamicModule,
  Global,
  Injectable,
  Logger,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock, systemClock } from '../clock';
import type { KafkaEnv } from '../config';
import type { DatabaseTimeouts } from '../database/session-options';
import { Inbox } from '../inbox/inbox';
import { RequestProcessor } from '../inbox/request-processor';
import { KafkaProducer } from '../kafka/kafka-producer';
import { Outbox } from '../outbox/outbox';
import { OutboxRelay } from '../outbox/outbox-relay';
import { pipelineTrace } from '../ops/pipeline-trace';
import { ServiceMetrics } from '../ops/service-metrics';
import { HeartbeatPublisher } from './heartbeat-publisher';
import { MessagingMetrics } from './messaging-metrics';

export const CLOCK = Symbol('CLOCK');
export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');

export interface MessagingOptions {
  service: string;
  schema: string;
  databaseUrl: string;
  kafka: KafkaEnv;
  /** The relay session's timeouts, keepalives and leadership lease. */
  database?: DatabaseTimeouts;
  clock?: Clock;
  maxAttempts?: number;
}

/** What pg's Pool counts of its sessions. */
interface PgPoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** Starts the relay once the app is up; stops consumers' retries, the relay and the producer on shutdown. */
@Injectable()
class MessagingLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly relay: OutboxRelay,
    private readonly inbox: Inbox,
    private readonly producer: KafkaProducer,
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    @Optional() private readonly metrics?: MessagingMetrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.metrics?.watch(this.dataSource, this.relay);
    this.outbox.wakeInProcess(this.dataSource, this.relay);
    // The pool's sessions (pg's Pool, behind TypeORM's driver): open, idle, and callers waiting for one.
    const pool = (this.dataSource.driver as unknown as { master?: PgPoolCounts }).master;
    if (pool) {
      pipelineTrace()?.sample('pool', () => ({
        total: pool.totalCount,
        idle: pool.idleCount,
        waiting: pool.waitingCount,
      }));
    }
    await this.producer.connect();
    this.relay.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.inbox.stop();
    await this.relay.stop();
    await this.producer.disconnect();
  }
}

/**
 * Outbox, relay, inbox and the request processor for one service, wired to its own schema.
 * Services emit only through `Outbox` and consume only through `Inbox`/`RequestProcessor`.
 */
@Global()
@Module({})
export class MessagingModule {
  static forService(o: MessagingOptions): DynamicModule {
    const logger = new Logger('Messaging');
    return {
      module: MessagingModule,
      providers: [
        { provide: MESSAGING_OPTIONS, useValue: o },
        { provide: CLOCK, useValue: o.clock ?? systemClock },
        { provide: Outbox, useValue: new Outbox(o.schema) },
        { provide: KafkaProducer, useFactory: () => new KafkaProducer(o.kafka, `${o.service}-producer`) },
        {
          provide: MessagingMetrics,
          inject: [{ token: ServiceMetrics, optional: true }],
          useFactory: (metrics?: ServiceMetrics) => (metrics ? new MessagingMetrics(metrics) : null),
        },
        {
          provide: OutboxRelay,
          inject: [KafkaProducer, MessagingMetrics],
          useFactory: (producer: KafkaProducer, metrics: MessagingMetrics | null) =>
            new OutboxRelay({
              databaseUrl: o.databaseUrl,
              database: o.database,
              schema: o.schema,
              producer,
              logger: new Logger('OutboxRelay'),
              published: metrics?.published,
            }),
        },
        {
          provide: Inbox,
          inject: [DataSource, Outbox, MessagingMetrics],
          useFactory: (dataSource: DataSource, outbox: Outbox, metrics: MessagingMetrics | null) =>
            new Inbox({
              dataSource,
              outbox,
              env: o.kafka,
              consumer: o.service,
              logger,
              maxAttempts: o.maxAttempts,
              observer: metrics?.inbox,
            }),
        },
        {
          provide: RequestProcessor,
          inject: [Inbox, DataSource, KafkaProducer, CLOCK, MessagingMetrics],
          useFactory: (
            inbox: Inbox,
            ds: DataSource,
            producer: KafkaProducer,
            clock: Clock,
            metrics: MessagingMetrics | null,
          ) => new RequestProcessor(inbox, ds, producer, clock, logger, metrics?.requests),
        },
        {
          provide: HeartbeatPublisher,
          inject: [KafkaProducer, CLOCK],
          useFactory: (producer: KafkaProducer, clock: Clock) =>
            new HeartbeatPublisher(producer, o.service, clock),
        },
        MessagingLifecycle,
      ],
      exports: [
        MESSAGING_OPTIONS,
        CLOCK,
        Outbox,
        KafkaProducer,
        OutboxRelay,
        Inbox,
        RequestProcessor,
        HeartbeatPublisher,
      ],
    };
  }
}
