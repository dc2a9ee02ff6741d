import type { Channel, Slots } from '@pupitre/shared/contracts';
import { slotKindOf } from './slot-kind';

/** What the database counts for one agent: conversations held per kind, and the admin's chat capacity. */
export interface SlotCounts {
  chatUsed: number;
  mobileUsed: number;
  chatCapacity: number;
}

/**
 * R4: chat and mobile slots are counted apart. R5: the mobile capacity is the platform's
 * (`MOBILE_SLOTS`), the same for every agent; only the chat capacity is per agent.
 */
export function slotsOf(c: SlotCounts, mobileSlots: number): Slots {
  return {
    chat: { used: c.chatUsed, capacity: c.chatCapacity },
    mobile: { used: c.mobileUsed, capacity: mobileSlots },
  };
}

/** R4: only the slots of the conversation's kind count. */
export function hasFreeSlot(slots: Slots, channel: Channel): boolean {
  const usage = slots[slotKindOf(channel)];
  return usage.used < usage.capacity;
}
