import { z } from '../zod';
import { messageTextSchema, clientMessageIdSchema, tagSchema } from '../fields';
import { publicIdSchema } from './public-fields';

const conversationId = publicIdSchema;
const onConversation = z.object({ conversationId });
const tagged = z.object({ conversationId, tag: tagSchema });

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
};
export type DeskCommandName = keyof typeof deskCommandPayloads;
