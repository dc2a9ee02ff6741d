import type { Channel } from '@pupitre/shared/contracts';

export type SlotKind = 'chat' | 'mobile';

/** R4: web_chat conversations use chat slots, mobile_app conversations use mobile slots. */
export function slotKindOf(channel: Channel): SlotKind {
  switch (channel) {
    case 'web_chat':
      return 'chat';
    case 'mobile_app':
      return 'mobile';
  }
}
