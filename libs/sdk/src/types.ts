/**
 * The public contract's shapes as the SDK's users see them (CONTRACT.md, SDK API and Additions v1.1).
 * Plain types, so the published declarations need neither zod nor the monorepo: `checks/contract-types.ts`
 * proves with `import type` that they match the schemas the server validates with.
 */

export type Channel = 'mobile_app' | 'web_chat';
export type Platform = 'ios' | 'android' | 'web';

/** The contract's error codes (CONTRACT.md, Conventions). */
export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'VISITOR_BLOCKED'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'FEATURE_UNAVAILABLE_ON_CHANNEL'
  | 'MOBILE_CAPACITY_FIXED'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE'
  | 'INTERNAL';

export interface Message {
  id: string;
  conversationId: string;
  author: { type: 'visitor' | 'agent'; id: string };
  text: string;
  createdAt: string;
}

export type CloseReason = 'agent' | 'inactivity' | 'visitor_blocked';
export type ConversationStatus = 'queued' | 'assigned' | 'released' | 'closed';

/** `GET /v1/visitor/conversations`, newest first; the queue fields only while it waits (v1.1). */
export interface ConversationSummary {
  id: string;
  channel: Channel;
  status: ConversationStatus;
  createdAt: string;
  closedAt?: string;
  closeReason?: CloseReason;
  queuePosition?: number;
  estimatedWaitSeconds?: number;
}

export interface MessagePage {
  items: Message[];
  nextCursor?: string;
}

/** The answer to `POST /v1/visitor/messages`. */
export interface PostedMessage {
  conversationId: string;
  messageId: string;
  createdAt: string;
}

export interface RegisteredVisitor {
  visitorId: string;
  token: string;
}

/** `queue.updated` on the visitor socket (v1.1): position 1 is next. */
export interface QueueUpdate {
  conversationId: string;
  position: number;
  estimatedWaitSeconds?: number;
}

/** `conversation.closed` on the visitor socket. */
export interface ConversationClosed {
  conversationId: string;
  reason: CloseReason;
}

/** `PUT /v1/visitor/push-token` (v1.1): one token per visitor, the latest wins. */
export interface PushToken {
  platform: Platform;
  token: string;
}
