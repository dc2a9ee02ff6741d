import { z } from 'zod';
import { channelSchema, CLOSE_REASONS } from '../common';

/**
 * Topic `billing.remunerations` (public, for finance), key = conversationId.
 * Produced by billing, one per conversation closed with at least one agent message (R14);
 * at least once: a redelivery carries the same eventId.
 */
export const BILLING_REMUNERATIONS = 'billing.remunerations';

export const remunerationSchema = z.object({
  eventId: z.string().uuid(),
  conversationId: z.string().uuid(),
  agentId: z.string().uuid(),
  channel: channelSchema,
  closedAt: z.string(),
  closeReason: z.enum(CLOSE_REASONS),
  lastAgentMessageId: z.string().uuid(),
  amountMinor: z.number().int().nonnegative(),
  currency: z.string().length(3),
  attributedAt: z.string(),
});

export type Remuneration = z.infer<typeof remunerationSchema>;
