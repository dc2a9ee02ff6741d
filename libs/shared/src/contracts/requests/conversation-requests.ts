import { z } from '../zod';
import { CHANNELS, messageSchema, PLATFORMS } from '../common';
import {
  clientMessageIdSchema,
  emptyReplySchema,
  idSchema,
  messageTextSchema,
  NAME_MAX_CHARS,
  nameSchema,
  noDataSchema,
  PAGE_SIZE,
  tagSchema,
} from '../fields';
import { codePointString } from '../text-schemas';
import { PUSH_TOKEN_MAX_CHARS } from '../public/sdk-api';
import {
  cannedResponseSchema,
  conversationViewSchema,
  postedMessageSchema,
  visitorConversationSummarySchema,
} from '../views';
import { op } from './op';

/** A desk holds at most 20 chat and a few mobile conversations. */
export const MAX_VIEWS = 100;

const act = { agentId: idSchema, conversationId: idSchema };
const messageId = z.object({ messageId: idSchema });
const ping = op('Is the service up', noDataSchema, z.object({ service: z.string() }));

/** Topic `conversation.requests`: what the gateway asks the conversation service. */
export const conversationRequests = {
  'system.ping': ping,
  'visitor.register': op(
    'Register a visitor (the gateway chose the id)',
    z.object({
      visitorId: idSchema,
      channel: z.enum(CHANNELS),
      // The gateway refuses a blank name; a service keeps what it is given, up to the bound.
      name: codePointString(0, NAME_MAX_CHARS).nullable(),
      platform: z.enum(PLATFORMS).nullable(),
    }),
    z.object({ visitorId: idSchema }),
  ),
  'visitor.post-message': op(
    "A visitor's message: into their open conversation, or a new one",
    z.object({ visitorId: idSchema, text: messageTextSchema, clientMessageId: clientMessageIdSchema }),
    postedMessageSchema.extend({
      replayed: z
        .literal(true)
        .optional()
        .describe('Set when this clientMessageId was stored before: the message is the earlier one'),
    }),
  ),
  'visitor.list-conversations': op(
    "A visitor's conversations",
    z.object({ visitorId: idSchema }),
    z.array(visitorConversationSummarySchema),
  ),
  'visitor.list-messages': op(
    "A page of one of the visitor's conversations, oldest first",
    z.object({
      visitorId: idSchema,
      conversationId: idSchema,
      after: idSchema.nullable(),
      limit: z.number().int().min(PAGE_SIZE.min).max(PAGE_SIZE.max),
    }),
    z.object({ items: z.array(messageSchema), nextCursor: z.string().optional() }),
  ),
  'agent.list-messages': op(
    'Older messages of a conversation the agent holds, before a message (or the latest), oldest first',
    z.object({
      ...act,
      before: idSchema.nullable(),
      limit: z.number().int().min(PAGE_SIZE.min).max(PAGE_SIZE.max),
    }),
    z.object({ items: z.array(messageSchema), nextCursor: z.string().optional() }),
  ),
  'visitor.set-push-token': op(
    "Store the visitor's push token (one per visitor, the latest wins)",
    z.object({
      visitorId: idSchema,
      platform: z.enum(PLATFORMS),
      token: z.string().min(1).max(PUSH_TOKEN_MAX_CHARS),
    }),
    emptyReplySchema,
  ),
  'visitor.clear-push-token': op(
    "Remove the visitor's push token",
    z.object({ visitorId: idSchema }),
    emptyReplySchema,
  ),
  'visitor.presence': op(
    'How many /visitor sockets a visitor has on one gateway instance now (push goes only to visitors with none anywhere)',
    z.object({
      visitorId: idSchema,
      gatewayInstance: z.string().min(1),
      sockets: z.number().int().nonnegative(),
      /** Per gateway instance, increasing (time-based, so it survives a restart): older reports lose. */
      seq: z.number().int().nonnegative(),
    }),
    emptyReplySchema,
  ),
  'gateway.heartbeat': op(
    "A gateway instance is alive: its visitors' presence counts (an instance silent for long counts as gone)",
    z.object({ gatewayInstance: z.string().min(1) }),
    emptyReplySchema,
  ),
  'gateway.presence-reset': op(
    "A gateway instance (re)started or stops: its visitors' presence reported before `seq` is gone",
    z.object({ gatewayInstance: z.string().min(1), seq: z.number().int().nonnegative() }),
    emptyReplySchema,
  ),
  'agent.post-message': op(
    "An agent's message in a conversation they hold",
    z.object({ ...act, text: messageTextSchema, clientMessageId: clientMessageIdSchema }),
    messageId,
  ),
  'agent.send-canned': op(
    'An agent sends a canned response',
    z.object({ ...act, cannedResponseId: idSchema, clientMessageId: clientMessageIdSchema }),
    messageId,
  ),
  'agent.close': op('An agent closes a conversation they hold', z.object(act), emptyReplySchema),
  'agent.block-visitor': op(
    "An agent blocks the conversation's visitor (and closes it)",
    z.object(act),
    emptyReplySchema,
  ),
  'agent.tag': op(
    'An agent adds or removes a tag',
    z.object({ ...act, tag: tagSchema, action: z.enum(['add', 'remove']) }),
    z.object({ tags: z.array(z.string()) }),
  ),
  /** Views of the given conversations, in the order asked; unknown ids are left out. */
  'conversation.views': op(
    'Views of the given conversations, in the order asked; unknown ids are left out',
    z.object({ conversationIds: z.array(idSchema).max(MAX_VIEWS) }),
    // `heldBy` (internal, never pushed to desks): the agent conversation's record names as holder.
    z.array(conversationViewSchema.extend({ heldBy: idSchema.nullable() })),
  ),
  'conversation.view': op(
    'The view of one conversation',
    z.object({ conversationId: idSchema }),
    conversationViewSchema,
  ),
  'canned.create': op(
    'Create a canned response (the gateway chose the id)',
    z.object({ id: idSchema, title: nameSchema, text: messageTextSchema }),
    cannedResponseSchema,
  ),
  'canned.list': op('Every canned response', noDataSchema, z.array(cannedResponseSchema)),
  'canned.delete': op('Delete a canned response', z.object({ id: idSchema }), emptyReplySchema),
};
