import { z } from 'zod';
import { CHANNELS, messageSchema, PLATFORMS } from '../common';
import { clientMessageIdSchema, messageTextSchema, nameSchema, PAGE_SIZE } from '../fields';
import { oneOf, optionalQuery, publicIdSchema } from './public-fields';

/** SDK API bodies and queries (CONTRACT.md, SDK API); unknown fields are ignored. */
export const registerVisitorBody = z.object({
  channel: oneOf(CHANNELS),
  name: nameSchema.nullish(),
  platform: oneOf(PLATFORMS).nullish(),
});

export const postMessageBody = z.object({ text: messageTextSchema, clientMessageId: clientMessageIdSchema });

const PAGE_SIZE_PROBLEM = `must be an integer from ${PAGE_SIZE.min} to ${PAGE_SIZE.max}`;
const pageSize = z
  .string()
  .regex(/^\d+$/, PAGE_SIZE_PROBLEM)
  .transform(Number)
  .pipe(z.number().int().min(PAGE_SIZE.min, PAGE_SIZE_PROBLEM).max(PAGE_SIZE.max, PAGE_SIZE_PROBLEM));

export const listMessagesQuery = z.object({
  /** A message id (the previous page's nextCursor). */
  after: optionalQuery(publicIdSchema),
  limit: optionalQuery(pageSize),
});

export const registeredVisitorSchema = z.object({
  visitorId: z.string().uuid(),
  token: z.string().describe('The visitor token (Bearer).'),
});
export const messagePageSchema = z.object({
  items: z.array(messageSchema),
  nextCursor: z.string().uuid().optional(),
});
