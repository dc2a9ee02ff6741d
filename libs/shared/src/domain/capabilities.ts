import type { Channel } from '../contracts/common';

/** What an agent may do on a conversation of a given channel (R2, R3). */
export interface Capabilities {
  cannedResponses: boolean;
  block: boolean;
  emoji: boolean;
  tags: boolean;
  attachments: boolean;
  offersAndLinks: boolean;
  mirroring: boolean;
  navigationControl: boolean;
  transfer: boolean;
}

export type Feature = keyof Capabilities;

export const CAPABILITIES_BY_CHANNEL: Readonly<Record<Channel, Readonly<Capabilities>>> = Object.freeze({
  // R2: allowed on mobile; R3: not on mobile (yet).
  mobile_app: Object.freeze({
    cannedResponses: true,
    block: true,
    emoji: true,
    tags: true,
    attachments: false,
    offersAndLinks: false,
    mirroring: false,
    navigationControl: false,
    transfer: false,
  }),
  web_chat: Object.freeze({
    cannedResponses: true,
    block: true,
    emoji: true,
    tags: true,
    attachments: true,
    offersAndLinks: true,
    mirroring: true,
    navigationControl: true,
    transfer: true,
  }),
});

export function capabilitiesFor(channel: Channel): Capabilities {
  return { ...CAPABILITIES_BY_CHANNEL[channel] };
}

export function isFeatureAvailable(channel: Channel, feature: Feature): boolean {
  return CAPABILITIES_BY_CHANNEL[channel][feature];
}
