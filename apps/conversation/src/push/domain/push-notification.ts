import type { Message, Platform, PushNotification } from '@pupitre/shared/contracts';
import { PUSH_PREVIEW_MAX_CHARS } from '@pupitre/shared/contracts';
import { uuidV5 } from '@pupitre/shared/domain';

/** Conversation's own namespace for push event ids (a fixed, random UUID: never change it). */
export const PUSH_EVENT_NAMESPACE = 'a3c7e0d2-5b8f-4e61-9d24-7f1e6c0b8a55';

/**
 * A gateway instance that has sent no heartbeat (every 5 s) for this long counts as gone, with its
 * visitors' sockets: they no longer hold back a push.
 */
export const GATEWAY_PRESENCE_TTL_MS = 20_000;

/** The presence reports that still count at `now`: those of instances heard from since then. */
export function liveSince(now: Date, ttlMs = GATEWAY_PRESENCE_TTL_MS): Date {
  return new Date(now.getTime() - ttlMs);
}

/** The message's first PUSH_PREVIEW_MAX_CHARS code points, "…" when cut (never half an emoji's pair). */
export function previewOf(text: string, max = PUSH_PREVIEW_MAX_CHARS): string {
  const points = Array.from(text);
  return points.length <= max ? text : `${points.slice(0, max - 1).join('')}…`;
}

/** One message, one eventId: a redelivery or a rebuild publishes the same id. */
export function pushEventId(messageId: string): string {
  return uuidV5(messageId.toLowerCase(), PUSH_EVENT_NAMESPACE);
}

export interface PushTarget {
  pushToken: string | null;
  platform: Platform | null;
  /** Whether the visitor has a `/visitor` socket on a gateway instance still heartbeating. */
  connected: boolean;
}

/**
 * A push target as read before the clock was known (MessagesRepository.readForAgentPosts): the latest
 * heartbeat among the gateway instances that hold a socket of the visitor's, null when none does.
 */
export interface PushRead {
  pushToken: string | null;
  platform: Platform | null;
  presenceSeenAt: Date | null;
}

/** The target at `now`: connected while an instance holding a socket was heard from since liveSince. */
export function targetOf(read: PushRead, now: Date, ttlMs = GATEWAY_PRESENCE_TTL_MS): PushTarget {
  const connected = read.presenceSeenAt !== null && read.presenceSeenAt >= liveSince(now, ttlMs);
  return { pushToken: read.pushToken, platform: read.platform, connected };
}

/** Whether an agent's message to a visitor with this target is pushed: a token, and no socket. */
export function wouldBePushed(
  target: PushTarget,
): target is PushTarget & { pushToken: string; platform: Platform } {
  return !target.connected && !!target.pushToken && !!target.platform;
}

/**
 * CONTRACT.md Additions, `notifications.push`: an agent message reaches a visitor who left (a push
 * token, no connected socket anywhere) as one record; never while a socket is connected.
 */
export function pushFor(message: Message, visitorId: string, target: PushTarget): PushNotification | null {
  if (message.author.type !== 'agent' || !wouldBePushed(target)) return null;
  return {
    eventId: pushEventId(message.id),
    visitorId,
    conversationId: message.conversationId,
    messageId: message.id,
    preview: previewOf(message.text),
    pushToken: target.pushToken,
    platform: target.platform,
    createdAt: message.createdAt,
  };
}
