import { Logger } from '@nestjs/common';
import { CustomTransportStrategy, KafkaOptions, ServerKafka } from '@nestjs/microservices';
import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { KafkaEnv } from '../config';
import { withFreshLogContext } from '../logging/log-context';
import { ConsumerLoopState } from '../ops/liveness';
import { pipelineTrace } from '../ops/pipeline-trace';
import { BatchSlot, runInSlot, SlotCoalescer } from './batch-scope';
import { TypesApplied, typesApplied, unwantedByHeader } from './event-type-header';
import { noteOwnMember } from './group-takeover';
import { ThrottledCommits } from './throttled-commits';
import { consumerConfig, kafkaClientConfig, kafkaTuning, prefixed, producerConfig } from './kafka-options';

/**
 * What a consumer may say beside its topic: `@EventPattern(topic, { eventTypes })` names the event types
 * its handler applies, and records whose EVENT_TYPE_HEADER names another are passed over unparsed
 * (most of what billing reads, for one: it applies closes only, among every message posted).
 */
export interface HandlerExtras {
  eventTypes?: ReadonlySet<string>;
}

const PASSED_OVER: Promise<unknown> = Promise.resolve();

/** Routes remembered by KafkaServer.getRouteFromPattern (a server reads a handful of topics). */
const MAX_CACHED_ROUTES = 1000;

export interface KafkaServerOptions {
  env: KafkaEnv;
  clientId: string;
  groupId: string;
  /** The service's name on its log lines (default: the client id, which also names the instance). */
  service?: string;
  /** true for services that must see every event since their group began; false for the gateway's live feed. */
  fromBeginning: boolean;
  /** Partitions applied at once (default KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY). */
  partitionsConsumedConcurrently?: number;
  /** Most messages applied in one transaction (default 200). */
  maxBatchMessages?: number;
}

/**
 * Nest's Kafka server with the run's topic prefix applied to every @EventPattern, and a signal for
 * "joined its group and consuming" that readiness reports.
 */
export class KafkaServer extends ServerKafka implements CustomTransportStrategy {
  private joined = false;
  private readonly routes = new Map<string, string>();
  /** What liveness reads (ops/liveness.ts): crashes, stops and the loop's last sign of progress. */
  readonly loop = new ConsumerLoopState();
  /** The batches of one fetch (one per partition) are applied together (batch-scope.ts). */
  private readonly coalescer = new SlotCoalescer();
  /** Per topic (with the prefix), the event types its handler applies, when it said (`HandlerExtras`). */
  private readonly eventTypes = new Map<string, TypesApplied>();
  /** Offsets are committed once a second, not after every batch (throttled-commits.ts). */
  private readonly commits = new ThrottledCommits({
    intervalMs: kafkaTuning().KAFKA_COMMIT_INTERVAL_MS,
    failed: (err) =>
      new Logger('KafkaServer').warn(`offset commit failed, next one carries it: ${String(err)}`),
  });

  constructor(private readonly serverOptions: KafkaServerOptions) {
    super(toNestOptions(serverOptions));
  }

  /**
   * Nest finds a message's handler from its topic twice per message, each time by trying JSON.parse on
   * the topic name and building the SyntaxError it throws: 3–8 % of each service's CPU in bench/flow.
   * The topics a server reads are few and fixed, so each one's route is worked out once.
   */
  override getRouteFromPattern(pattern: string): string {
    let route = this.routes.get(pattern);
    if (route === undefined) {
      route = super.getRouteFromPattern(pattern);
      if (this.routes.size < MAX_CACHED_ROUTES) this.routes.set(pattern, route);
    }
    return route;
  }

  override addHandler(
    pattern: unknown,
    callback: never,
    isEventHandler?: boolean,
    extras?: Record<string, unknown>,
  ) {
    const topic = typeof pattern === 'string' ? prefixed(this.serverOptions.env, pattern) : pattern;
    if (typeof topic === 'string') {
      const named = (extras as HandlerExtras | undefined)?.eventTypes;
      this.eventTypes.set(topic, typesApplied(this.eventTypes.get(topic), named));
    }
    super.addHandler(topic, callback, isEventHandler, extras);
  }

  /**
   * Consumes with `eachBatch`: a partition's ready messages go through their Nest handlers in order,
   * and those that enlist in the batch (every Inbox.consume, every RequestProcessor.process) are
   * applied together with the other partitions' of the same fetch (batch-scope.ts, SlotCoalescer), in
   * one transaction per applier (inbox.ts and request-processor.ts, applyBatch), before their offsets
   * are resolved. A handler that does its work alone (the gateway's feeds) runs to its end
   * before the next message is dispatched.
   */
  override async bindEvents(consumer: Consumer): Promise<void> {
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.joined = true;
      noteOwnMember(payload.memberId);
      // Operators (and the fault suite) read when a consumer has its partitions back.
      const partitions = Object.values(payload.memberAssignment).reduce((n, p) => n + p.length, 0);
      new Logger('KafkaServer').log(
        `joined consumer group ${payload.groupId} in ${payload.duration} ms (${partitions} partitions)`,
      );
    });
    consumer.on(consumer.events.CRASH, () => (this.joined = false));
    consumer.on(consumer.events.STOP, () => (this.joined = false));
    this.loop.watch(consumer);
    pipelineTrace()?.watchConsumer(this.serverOptions.service ?? this.serverOptions.clientId, consumer);
    const topics = [...this.messageHandlers.keys()];
    if (topics.length > 0) {
      await consumer.subscribe({ topics, fromBeginning: this.serverOptions.fromBeginning });
    }
    await consumer.run({
      // this.commits commits once a second; kafkajs's autoCommit would after every batch of eachBatch.
      autoCommit: false,
      partitionsConsumedConcurrently:
        this.serverOptions.partitionsConsumedConcurrently ??
        kafkaTuning().KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY,
      eachBatchAutoResolve: false,
      // The service's name on every line its consumer logs, and no other work's correlation id.
      eachBatch: (payload) =>
        withFreshLogContext({ service: this.serverOptions.service ?? this.serverOptions.clientId }, () =>
          this.handleBatch(payload),
        ),
    });
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    try {
      await this.applyBatch(payload);
    } finally {
      // What was resolved before a failure is committed too, as kafkajs's own commit on error did.
      await this.commits.resolved(payload);
    }
  }

  private async applyBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale, pause } = payload;
    const max = this.serverOptions.maxBatchMessages ?? 200;
    // A message whose handler finished without enlisting (a request dropped past its deadline, an
    // unknown operation answered at once) stays in the group with no slot: its offset is resolved in
    // order with the others, and it does not cut the batch (under overload most requests are dropped).
    let group: { slot: BatchSlot | null; message: KafkaMessage; done: Promise<unknown> }[] = [];
    const types = this.eventTypes.get(batch.topic);
    const wanted = types === 'all' ? undefined : types;
    const flush = async () => {
      if (group.length === 0) return;
      const run = group;
      group = [];
      // A flush may wait on a lock for up to DATABASE_LOCK_TIMEOUT_MS, longer than the session: keep
      // the membership alive meanwhile (kafkajs sends at most one heartbeat per interval; a failure,
      // e.g. a rebalance, is left to the heartbeat after the flush).
      const beating = setInterval(
        () => void heartbeat().catch(() => undefined),
        this.serverOptions.env.KAFKA_HEARTBEAT_INTERVAL_MS,
      );
      try {
        await this.coalescer.apply(run.flatMap((g) => (g.slot ? [g.slot] : [])));
        // The handlers finish once their slot is settled; a failure there leaves the offset unresolved,
        // even should a handler have turned its slot's failure into a result.
        for (const g of run) {
          await g.done;
          if (g.slot?.failed) throw new Error(`offset ${g.message.offset}: its batch was not applied`);
          resolveOffset(g.message.offset);
        }
      } finally {
        clearInterval(beating);
      }
      await heartbeat();
    };
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) break;
      this.loop.progressed();
      if (wanted && unwantedByHeader(message.headers, wanted)) {
        // A type the handler would ignore: its offset is resolved in order, with no parse and no dispatch.
        group.push({ slot: null, message, done: PASSED_OVER });
        if (group.length >= max) await flush();
        continue;
      }
      const slot = new BatchSlot();
      const done = runInSlot(slot, () =>
        this.handleMessage({ topic: batch.topic, partition: batch.partition, message, heartbeat, pause }),
      );
      const enlisted = await Promise.race([
        slot.enlisted.then(() => true),
        done.then(
          () => false,
          () => false,
        ),
      ]);
      if (!enlisted) {
        // A failure stops the batch here, as before: what came before it is applied, its offset is not.
        await done.catch(async (err: unknown) => {
          await flush();
          throw err;
        });
      }
      group.push({ slot: enlisted ? slot : null, message, done });
      if (group.length >= max) await flush();
    }
    await flush();
  }

  isConsuming(): boolean {
    return this.joined;
  }

  /** Topics this server consumes (with the run's prefix): for consumer-lag metrics. */
  topics(): string[] {
    return [...this.messageHandlers.keys()];
  }

  /** Its consumer group (with the run's prefix). */
  group(): string {
    return prefixed(this.serverOptions.env, this.serverOptions.groupId);
  }

  override async close(): Promise<void> {
    this.loop.closing();
    // While still in the group: what is resolved, then every batch the stop waits for, is committed.
    await this.commits.close();
    await super.close();
  }
}

function toNestOptions(o: KafkaServerOptions): NonNullable<KafkaOptions['options']> {
  return {
    postfixId: '',
    client: kafkaClientConfig(o.env, o.clientId),
    // Nest re-declares kafkajs' types; the shapes are the same at run time.
    consumer: consumerConfig(o.env, o.groupId) as never,
    producer: producerConfig(),
    subscribe: { fromBeginning: o.fromBeginning },
  };
}
