import { hasFreeSlot, slotsOf } from './slots';
import { slotKindOf } from './slot-kind';

describe(slotsOf.name, () => {
  it('R4: each agent has chat slots set per agent, counted apart from mobile slots', () => {
    expect(slotsOf({ chatUsed: 1, mobileUsed: 2, chatCapacity: 3 }, 2)).toEqual({
      chat: { used: 1, capacity: 3 },
      mobile: { used: 2, capacity: 2 },
    });
  });

  it('R5: the mobile capacity is the platform setting, whatever the chat capacity', () => {
    expect(slotsOf({ chatUsed: 0, mobileUsed: 0, chatCapacity: 7 }, 2).mobile.capacity).toBe(2);
    expect(slotsOf({ chatUsed: 0, mobileUsed: 0, chatCapacity: 0 }, 4).mobile.capacity).toBe(4);
  });
});

describe(hasFreeSlot.name, () => {
  const full = (kind: 'chat' | 'mobile') =>
    kind === 'chat'
      ? { chat: { used: 3, capacity: 3 }, mobile: { used: 0, capacity: 2 } }
      : { chat: { used: 0, capacity: 3 }, mobile: { used: 2, capacity: 2 } };

  it('R4: an agent with all chat slots taken can still receive mobile conversations', () => {
    expect(hasFreeSlot(full('chat'), 'mobile_app')).toBe(true);
    expect(hasFreeSlot(full('chat'), 'web_chat')).toBe(false);
  });

  it('R4: and the reverse: all mobile slots taken, chat conversations still fit', () => {
    expect(hasFreeSlot(full('mobile'), 'web_chat')).toBe(true);
    expect(hasFreeSlot(full('mobile'), 'mobile_app')).toBe(false);
  });

  it('R4: capacity 0 means no free slot of that kind', () => {
    expect(
      hasFreeSlot({ chat: { used: 0, capacity: 0 }, mobile: { used: 0, capacity: 2 } }, 'web_chat'),
    ).toBe(false);
  });
});

describe(slotKindOf.name, () => {
  it('R4: web_chat uses chat slots, mobile_app uses mobile slots', () => {
    expect(slotKindOf('web_chat')).toBe('chat');
    expect(slotKindOf('mobile_app')).toBe('mobile');
  });
});
