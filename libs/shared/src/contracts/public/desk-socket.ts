import { z } from '../zod';
import { messageTextSchema, clientMessageIdSchema, PAGE_SIZE, tagSchema } from '../fields';
import { publicIdSchema } from './public-fields';

const conversationId = publicIdSchema;
const onConversation = z.object({ conversationId });
const tagged = z.object({ conversationId, tag: tagSchema });
const PAGE_SIZE_PROBLEM = `must be an integer from ${PAGE_SIZE.min} to ${PAGE_SIZE.max}`;

/** Desk socket commands' payloads (CONTRACT.md, Desk socket); unknown fields are ignored. */
export const deskCommandPayloads = {
  'agent.status': z.object({
    status: z.enum(['available', 'away'], { errorMap: () => ({ message: 'must be "available" or "away"' }) }),
  }),
  'message.send': z.object({
    conversationId,
    text: messageTextSchema,
    clientMessageId: clientMessageIdSchema,
  }),
  /** Takes no payload: whatever is sent is ignored. */
  'canned.list': z.unknown().transform(() => ({})),
  'canned.send': z.object({
    conversationId,
    cannedResponseId: publicIdSchema,
    clientMessageId: clientMessageIdSchema,
  }),
  'conversation.release': onConversation,
  'conversation.close': onConversation,
  'conversation.tag.add': tagged,
  'conversation.tag.remove': tagged,
  'visitor.block': onConversation,
  'conversation.transfer': z.object({ conversationId, toAgentId: publicIdSchema }),
  /** v1.1: agents who could take this web-chat conversation now (available, a free chat slot). */
  'agents.transferTargets': onConversation,
  /** v1.1: older messages than `before` (or the latest), oldest first; `nextCursor` pages further back. */
  'conversation.history': z.object({
    conversationId,
    before: publicIdSchema.optional(),
    limit: z
      .number({ invalid_type_error: PAGE_SIZE_PROBLEM })
      .int(PAGE_SIZE_PROBLEM)
      .min(PAGE_SIZE.min, PAGE_SIZE_PROBLEM)
      .max(PAGE_SIZE.max, PAGE_SIZE_PROBLEM)
      .default(PAGE_SIZE.default),
  }),
};
export type DeskCommandName = keyof typeof deskCommandPayloads;

/** `agents.transferTargets` acknowledgement items: who a web-chat conversation can go to now. */
export const transferTargetSchema = z.object({ id: publicIdSchema, name: z.string() });
export type TransferTargetItem = z.infer<typeof transferTargetSchema>;
