import { AsyncLocalStorage } from 'node:async_hooks';

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
 * Applies the enlisted slots, grouped by applier in order (in practice one: the service's inbox), and
 * settles each slot's handler with the outcome. Rethrows the first failure.
 */
export async function applySlots(slots: BatchSlot[]): Promise<void> {
  let failure: unknown = null;
  let i = 0;
  while (i < slots.length) {
    const applier = slots[i].applier;
    let j = i;
    while (j < slots.length && slots[j].applier === applier) j++;
    const run = slots.slice(i, j);
    try {
      if (failure) throw failure;
      await applier!.applyBatch(run.map((s) => s.item));
      for (const s of run) s.settle!.resolve();
    } catch (err) {
      failure ??= err;
      for (const s of run) s.settle!.reject(err);
    }
    i = j;
  }
  if (failure) throw failure;
}
