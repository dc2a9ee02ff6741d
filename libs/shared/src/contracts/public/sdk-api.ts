import { z } from '../zod';
import { CHANNELS, messageSchema, PLATFORMS } from '../common';
import { clientMessageIdSchema, messageTextSchema, nameSchema, PAGE_SIZE } from '../fields';
import { oneOf, optionalQuery, publicIdSchema } from './public-fields';

/** SDK API bodies and queries (CONTRACT.md, SDK API); unknown fields are ignored. */
export const registerVisitorBody = z
  .object({
    channel: oneOf(CHANNELS),
    name: nameSchema.nullish(),
    platform: oneOf(PLATFORMS).nullish(),
  })
  .openapi('RegisterVisitor');

export const postMessageBody = z
  .object({
    text: messageTextSchema,
    clientMessageId: clientMessageIdSchema.openapi({
      description: 'Chosen by the SDK; sending it again returns the first answer.',
    }),
  })
  .openapi('PostMessage');

const PAGE_SIZE_PROBLEM = `must be an integer from ${PAGE_SIZE.min} to ${PAGE_SIZE.max}`;
const pageSize = z
  .string()
  .regex(/^\d+$/, PAGE_SIZE_PROBLEM)
  .transform(Number)
  .pipe(z.number().int().min(PAGE_SIZE.min, PAGE_SIZE_PROBLEM).max(PAGE_SIZE.max, PAGE_SIZE_PROBLEM));

export const listMessagesQuery = z.object({
  after: optionalQuery(publicIdSchema).openapi({
    type: 'string',
    format: 'uuid',
    description: "A message id (the previous page's nextCursor)",
  }),
  limit: optionalQuery(pageSize).openapi({
    type: 'integer',
    minimum: PAGE_SIZE.min,
    maximum: PAGE_SIZE.max,
    // The query carries a string; the document says the number it means.
    default: PAGE_SIZE.default as unknown as string,
  }),
});

export const registeredVisitorSchema = z
  .object({
    visitorId: z.string().uuid(),
    token: z.string().describe('The visitor token (Bearer).'),
  })
  .openapi('RegisteredVisitor');
export const messagePageSchema = z
  .object({
    items: z.array(messageSchema),
    nextCursor: z.string().uuid().optional(),
  })
  .openapi('MessagePage');

/** PUT /v1/visitor/push-token (CONTRACT.md, Additions): one token per visitor, the latest wins. */
export const PUSH_TOKEN_MAX_CHARS = 4096;
export const pushTokenBody = z
  .object({
    platform: oneOf(PLATFORMS),
    token: z
      .string()
      .min(1, 'must not be empty')
      .max(PUSH_TOKEN_MAX_CHARS, `must be at most ${PUSH_TOKEN_MAX_CHARS} characters`)
      .describe("The device's push token (APNs, FCM or Web Push), 1 to 4096 characters."),
  })
  .openapi('PushToken');

/** Visitor socket event `queue.updated` (CONTRACT.md, Additions). */
export const queueUpdatedEventSchema = z
  .object({
    conversationId: z.string().uuid(),
    position: z.number().int().min(1).describe('1 is next.'),
    estimatedWaitSeconds: z.number().int().nonnegative().optional(),
  })
  .openapi('QueueUpdated');
export type QueueUpdatedEvent = z.infer<typeof queueUpdatedEventSchema>;
