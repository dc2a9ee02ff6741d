import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  Cause,
  envelope,
  Outbox,
  OutboxEntry,
  ROUTING_EVENTS,
  ROUTING_VERSIONED_EVENTS,
  RoutingEventData,
  RoutingEventType,
  returnedRows,
  returningRows,
  Statement,
} from '@pupitre/shared';

type Draft = { type: RoutingEventType; data: unknown };

/** What a write passed to `emitWith` returns for each row it saved. */
interface SavedCounter {
  key: string;
  event_version: string;
}

/** Routing's events about one aggregate (their key), in order, with when and why they happen. */
export interface EventsAbout {
  key: string;
  events: Draft[];
  now: Date;
  cause?: Cause;
}

/** Everything routing tells the others goes through here, into the outbox of the caller's transaction. */
@Injectable()
export class RoutingEventsEmitter {
  constructor(private readonly outbox: Outbox) {}

  async emit<T extends RoutingEventType>(
    tx: EntityManager,
    key: string,
    type: T,
    data: RoutingEventData<T>,
    now: Date,
    cause?: Cause,
  ): Promise<void> {
    await this.emitMany(tx, [{ key, events: [{ type, data }], now, cause }]);
  }

  /** Events about one aggregate, in order, under its key. */
  async emitAll(tx: EntityManager, key: string, events: Draft[], now: Date, cause?: Cause): Promise<void> {
    await this.emitMany(tx, [{ key, events, now, cause }]);
  }

  /**
   * Events about any number of aggregates in two statements (one version bump, one outbox insert),
   * written in the order given, so each key's events keep their order. `bumped`: the conversations
   * whose counter the caller has already bumped by `versionCounts(all)` in its own write of their
   * rows (RoutedConversationsRepository.saveAll), with the counter's value after it.
   */
  async emitMany(tx: EntityManager, all: EventsAbout[], bumped?: ReadonlyMap<string, number>): Promise<void> {
    await this.outbox.addAll(tx, entries(all, await this.versions(tx, all, bumped)));
  }

  /**
   * The events in the statement of `write`, the caller's save of the rows they are about, which bumps
   * each counter by `versionCounts(all)` and returns `key` and `event_version` for each row
   * (RoutedConversationsRepository.saveStatement): one round trip for the states and their events.
   * `before`: each counter as the caller locked it, before that write (nothing else changes it until
   * commit), from which the events' versions follow; a conversation not in it has no row, and its
   * events no version. The counters the write returns are checked against those: if they ever
   * differed, the events would carry wrong versions, so the transaction fails instead. Returns the
   * counters after the write, of the conversations counted.
   */
  async emitWith(
    tx: EntityManager,
    write: Statement,
    all: EventsAbout[],
    before: ReadonlyMap<string, number>,
  ): Promise<Map<string, number>> {
    const counts = this.versionCounts(all);
    const after = new Map<string, number>();
    for (const [key, n] of counts) if (before.has(key)) after.set(key, before.get(key)! + n);
    const rows = entries(all, nextVersions(after, counts));
    const saved =
      rows.length === 0
        ? await returningRows<SavedCounter>(tx, write.sql, write.params)
        : returnedRows<SavedCounter>(await this.outbox.addAllWith(tx, write, rows));
    const written = new Map(saved.map((r) => [r.key.toLowerCase(), Number(r.event_version)]));
    for (const [key, version] of after) {
      const found = written.get(key.toLowerCase());
      if (found !== version) throw new Error(`event counter of ${key} is ${found}, expected ${version}`);
    }
    return after;
  }

  /** How many versioned events each conversation gets from `all`: what its counter is bumped by. */
  versionCounts(all: EventsAbout[]): Map<string, number> {
    const counts = new Map<string, number>();
    for (const { key, events } of all) {
      const n = events.filter((e) => ROUTING_VERSIONED_EVENTS.has(e.type)).length;
      if (n > 0) counts.set(key, (counts.get(key) ?? 0) + n);
    }
    return counts;
  }

  /**
   * Each conversation's next versions, for its events that carry one (its row is already locked by
   * the change being published): the counter is bumped once by their number, and they take the
   * values in order, so conversation can drop an event older than one it recorded. Without a row,
   * no version.
   */
  private async versions(
    tx: EntityManager,
    all: EventsAbout[],
    bumped: ReadonlyMap<string, number> = new Map(),
  ): Promise<(key: string, e: Draft) => unknown> {
    const counts = this.versionCounts(all);
    if (counts.size === 0) return (_key, e) => e.data;
    const after = new Map([...bumped].filter(([key]) => counts.has(key)));
    const rest = [...counts].filter(([key]) => !after.has(key));
    if (rest.length > 0) {
      const rows = await returningRows<{ key: string; event_version: string }>(
        tx,
        `UPDATE routed_conversations r SET event_version = r.event_version + v.n
           FROM unnest($1::text[], $2::int[]) AS v(key, n)
          WHERE r.conversation_id = v.key::uuid
         RETURNING v.key, r.event_version`,
        [rest.map(([key]) => key), rest.map(([, n]) => n)],
      );
      for (const r of rows) after.set(r.key, Number(r.event_version));
    }
    return nextVersions(after, counts);
  }
}

/**
 * Each versioned event's data with its version. `after`: each key's counter once bumped by its
 * `counts`, so its events take the `counts` values up to it, in order.
 */
function nextVersions(
  after: ReadonlyMap<string, number>,
  counts: ReadonlyMap<string, number>,
): (key: string, e: Draft) => unknown {
  const next = new Map([...after].map(([key, version]) => [key, version - counts.get(key)! + 1]));
  return (key, e) => {
    const version = next.get(key);
    if (!ROUTING_VERSIONED_EVENTS.has(e.type) || version === undefined) return e.data;
    next.set(key, version + 1);
    return { ...(e.data as object), version };
  };
}

/** The outbox rows of `all`, in the order given, each key's under its key. */
function entries(all: EventsAbout[], versioned: (key: string, e: Draft) => unknown): OutboxEntry[] {
  return all.flatMap(({ key, events, now, cause }) =>
    events.map((e) => ({
      topic: ROUTING_EVENTS,
      key,
      // The union of envelopes cannot be narrowed from a draft's type; its type and data are tied.
      value: envelope(e.type, versioned(key, e), now, cause) as never,
    })),
  );
}
