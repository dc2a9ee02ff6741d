import { z } from './zod';
import { MAX_TEXT_CHARS } from '../domain/message-text';
import { boundedText, codePointString } from './text-schemas';

/**
 * The bounds of CONTRACT.md, written once: the gateway's bodies, the services' requests and the
 * generated documents all take them from here.
 */
export const CHAT_CAPACITY = { min: 0, max: 20 } as const;
export const NAME_MAX_CHARS = 100;
export const TAG_MAX_CHARS = 50;
export const CLIENT_MESSAGE_ID_MAX_CHARS = 64;
export const PAGE_SIZE = { min: 1, max: 200, default: 50 } as const;

const CHAT_CAPACITY_PROBLEM = `must be an integer from ${CHAT_CAPACITY.min} to ${CHAT_CAPACITY.max}`;

/** R4: the number of web-chat conversations an agent may hold at once. */
export const chatCapacitySchema = z
  .number({ invalid_type_error: CHAT_CAPACITY_PROBLEM })
  .int(CHAT_CAPACITY_PROBLEM)
  .min(CHAT_CAPACITY.min, CHAT_CAPACITY_PROBLEM)
  .max(CHAT_CAPACITY.max, CHAT_CAPACITY_PROBLEM);

/** An agent's or a canned response's name: 1–100 characters, not blank. */
export const nameSchema = boundedText(NAME_MAX_CHARS);
/** A conversation tag: 1–50 characters, not blank. */
export const tagSchema = boundedText(TAG_MAX_CHARS);
/** A message's text: 1–4000 characters, not blank, kept byte for byte. */
export const messageTextSchema = boundedText(MAX_TEXT_CHARS).openapi({
  description: 'Any Unicode, kept byte for byte (leading and trailing whitespace too); not blank.',
});
/** The client's id of a message, for idempotent posting: 1–64 characters. */
export const clientMessageIdSchema = codePointString(1, CLIENT_MESSAGE_ID_MAX_CHARS);

/** Ids between services: the gateway has already lower-cased them. */
export const idSchema = z.string().uuid();
/** An instant as services write it (`Date.prototype.toISOString`). */
export const instantSchema = z.string();

/** The data of a request that carries none (`system.ping`, lists): whatever is sent is dropped. */
export const noDataSchema = z
  .object({})
  .passthrough()
  .transform(() => ({}) as Record<string, never>);
/** The reply of a request that answers nothing but success. */
export const emptyReplySchema = z.object({}).strict() as unknown as z.ZodType<Record<string, never>>;
