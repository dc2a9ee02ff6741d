import { z } from '../zod';
import { PLATFORMS } from '../common';

/**
 * Topic `notifications.push` (public, for the app's own push sender), key = visitorId.
 * Produced by conversation, through its outbox, in the transaction that stores an agent message for a
 * visitor who has a push token and no connected `/visitor` socket on any gateway; at least once: a
 * redelivery carries the same eventId (derived from the message id).
 */
export const NOTIFICATIONS_PUSH = 'notifications.push';

/** How many characters of the message a notification previews. */
export const PUSH_PREVIEW_MAX_CHARS = 140;

export const pushNotificationSchema = z
  .object({
    eventId: z
      .string()
      .uuid()
      .describe('Derived from messageId (UUID v5): the same on a redelivery; deduplicate on it.'),
    visitorId: z.string().uuid().describe('Also the record key.'),
    conversationId: z.string().uuid(),
    messageId: z.string().uuid().describe('The agent message that the notification announces.'),
    preview: z
      .string()
      .describe(`The message's first ${PUSH_PREVIEW_MAX_CHARS} characters (code points), "…" when cut.`),
    pushToken: z.string().describe('The token the visitor registered last (PUT /v1/visitor/push-token).'),
    platform: z.enum(PLATFORMS),
    createdAt: z.string().describe('When the message was stored (ISO 8601, UTC).'),
  })
  .describe('Tell a visitor who has left the app that an agent answered.')
  .openapi('PushNotification');

export type PushNotification = z.infer<typeof pushNotificationSchema>;

/** How an app's push sender reads `notifications.push` (CONTRACT.md, Additions), for the documents. */
export const PUSH_CONSUMPTION = [
  'One record per agent message stored while its visitor has a push token and no connected `/visitor`',
  'socket on any gateway. To consume it:',
  "- Key = visitorId: one visitor's records are on one partition, in order.",
  '- Delivery is at least once: a redelivery carries the same `eventId` (derived from `messageId`);',
  '  deduplicate on it before sending to APNs / FCM / Web Push.',
  '- Use your own consumer group (e.g. `app-push-sender`); values are JSON (UTF-8), times ISO 8601 UTC.',
  '- `pushToken` is the latest the visitor registered; ignore fields you do not know.',
].join('\n');
