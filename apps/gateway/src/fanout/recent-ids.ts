import { Bounded } from './bounded';

/**
 * The last `capacity` ids seen, oldest forgotten first: bounded memory for de-duplicating a feed
 * whose duplicates come close together (a relay takeover republishes what was just published).
 */
export class RecentIds {
  private readonly ids: Bounded<true>;

  constructor(capacity: number) {
    this.ids = new Bounded<true>(capacity);
  }

  /** True the first time an id is offered (while it is remembered), false for a repeat (which stays as old as it was). */
  firstTime(id: string): boolean {
    if (this.ids.get(id)) return false;
    this.ids.set(id, true);
    return true;
  }

  /** Whether the id is remembered (without refreshing it). */
  has(id: string): boolean {
    return this.ids.get(id) !== undefined;
  }

  get size(): number {
    return this.ids.size;
  }
}
