import { AsyncLocalStorage } from 'node:async_hooks';
import { pipelineTrace } from '../ops/pipeline-trace';

/** Applies the work several messages enlisted, together (the inbox: one transaction for all). */
export interface BatchApplier<T> {
  applyBatch(items: T[]): Promise<void>;
}

/**
 * One message's place in a batch. The consumer loop runs the message's Nest handler inside the slot;
 * a handler that can be applied with others (the inbox's consume) enlists its work here and waits,
 * and the loop applies every enlisted message of the run together, then settles each handler.
 */
export class BatchSlot {
  private enlistedOnce: (() => void) | null = null;
  /** Resolves when the handler enlisted work (it is then waiting for the group to be applied). */
  readonly enlisted = new Promise<void>((resolve) => (this.enlistedOnce = resolve));
  applier: BatchApplier<unknown> | null = null;
  item: unknown = null;
  settle: { resolve: () => void; reject: (err: unknown) => void } | null = null;
  /** Set when its applier failed: the consumer loop then keeps the offset, whatever the handler did. */
  failed = false;

  enlist<T>(applier: BatchApplier<T>, item: T): Promise<void> {
    if (this.applier) throw new Error('a message can enlist work in its batch only once');
    this.applier = applier as BatchApplier<unknown>;
    this.item = item;
    const settled = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    this.enlistedOnce?.();
    return settled;
  }
}

const scope = new AsyncLocalStorage<BatchSlot>();

/** Runs a message's handler with its slot (kafka-server.ts). */
export function runInSlot<T>(slot: BatchSlot, fn: () => Promise<T>): Promise<T> {
  return scope.run(slot, fn);
}

/**
 * The slot of the message being handled, if the consumer loop applies messages in batches and the
 * slot is still free; null otherwise (then the caller applies the message alone, as before).
 */
export function currentSlot(): BatchSlot | null {
  const slot = scope.getStore();
  return slot && !slot.applier ? slot : null;
}

/**
 * Applies the enlisted slots, grouped by applier (each applier's slots in their order; in practice the
 * service's inbox and its request processor, which read different topics, so no key spans two), the
 * appliers at the same time, and settles each slot's handler with its applier's outcome. A failure
 * fails every slot of that applier in the call, from whichever partition, and none of another's.
 */
async function applySlots(slots: BatchSlot[]): Promise<void> {
  const byApplier = new Map<BatchApplier<unknown>, BatchSlot[]>();
  for (const slot of slots) {
    const run = byApplier.get(slot.applier!);
    if (run) run.push(slot);
    else byApplier.set(slot.applier!, [slot]);
  }
  await Promise.all(
    [...byApplier].map(async ([applier, run]) => {
      const began = Date.now();
      let outcome = '';
      try {
        await applier.applyBatch(run.map((s) => s.item));
        for (const s of run) s.settle!.resolve();
      } catch (err) {
        outcome = '.failed';
        for (const s of run) {
          s.failed = true;
          s.settle!.reject(err);
        }
      }
      pipelineTrace()?.add(`apply:${applier.constructor.name}${outcome}`, run.length, Date.now() - began);
    }),
  );
}

/**
 * Applies together the slots that the batches of one fetch enlist. kafkajs hands a fetch's batches,
 * one per partition, to concurrent handlers (KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY), and each used to
 * apply its own in a transaction of its own: at a few messages per partition, most of a transaction's
 * statements (begin, inbox, locks, outbox, commit) and the relay's round after it were per partition.
 * The slots offered within one turn of the event loop are applied together instead, in groups of up to
 * maxSlots applied at the same time (one transaction would serialise a busy fetch's statements on one
 * connection). Order per key holds: a key lives in one partition, whose batches come one after the
 * other, and the inbox applies a batch in key order. Every slot is settled by applySlots, so each
 * offerer learns its messages' outcome from its handlers and slots. A failing applier fails the slots
 * of every partition it was applying in the group: those offsets stay unresolved and the messages come
 * again (the inbox and the stored replies make that harmless). In practice only a consumer stopping
 * fails an applier: the inbox retries the infrastructure's failures and dead-letters a bad message.
 */
export class SlotCoalescer {
  private pending: { slots: BatchSlot[]; done: () => void }[] = [];

  /** @param maxSlots most slots applied together; more go in further applications, at the same time. */
  constructor(private readonly maxSlots = 50) {}

  /** Resolves once the slots are settled (each handler then holds its own outcome). */
  apply(slots: BatchSlot[]): Promise<void> {
    if (slots.length === 0) return Promise.resolve();
    return new Promise<void>((done) => {
      if (this.pending.push({ slots, done }) === 1) setImmediate(() => this.applyPending());
    });
  }

  private applyPending(): void {
    const offers = this.pending;
    this.pending = [];
    // An offer (one partition's run) stays whole; offers fill groups of up to maxSlots.
    const groups: (typeof offers)[] = [];
    let size = Infinity;
    for (const offer of offers) {
      if (size + offer.slots.length > this.maxSlots) {
        groups.push([]);
        size = 0;
      }
      groups.at(-1)!.push(offer);
      size += offer.slots.length;
    }
    for (const group of groups) {
      // A failure is in the slots' settlements: the offerers read it from their handlers.
      void applySlots(group.flatMap((o) => o.slots)).finally(() => group.forEach((o) => o.done()));
    }
  }
}
