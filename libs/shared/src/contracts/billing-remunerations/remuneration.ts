import { z } from '../zod';
import { channelSchema, CLOSE_REASONS } from '../common';

/**
 * Topic `billing.remunerations` (public, for finance), key = conversationId.
 * Produced by billing, one per conversation closed with at least one agent message (R14);
 * at least once: a redelivery carries the same eventId.
 */
export const BILLING_REMUNERATIONS = 'billing.remunerations';

export const remunerationSchema = z
  .object({
    eventId: z.string().uuid().describe('The same on a redelivery: deduplicate on it.'),
    conversationId: z.string().uuid().describe('Also the record key: one remuneration per conversation.'),
    agentId: z.string().uuid().describe('The agent who wrote the last agent message before the close (R14).'),
    channel: channelSchema,
    closedAt: z.string().describe('When the conversation closed (ISO 8601, UTC).'),
    closeReason: z.enum(CLOSE_REASONS),
    lastAgentMessageId: z.string().uuid(),
    amountMinor: z.number().int().nonnegative().describe('The amount in minor units (cents).'),
    currency: z.string().length(3).describe('ISO 4217 code.'),
    attributedAt: z.string().describe('When billing attributed it (ISO 8601, UTC).'),
  })
  .describe('One remuneration: the agent paid for one closed conversation (R14).')
  .openapi('Remuneration');

export type Remuneration = z.infer<typeof remunerationSchema>;

/** What a record on `billing.remunerations` looks like (the documents show it to finance). */
export const remunerationExample: Remuneration = {
  eventId: '5f0c6a52-8f7e-4d33-9a55-2f1f1c1e9a10',
  conversationId: '0b8e2f3a-6c1d-4e8f-9a7b-3c2d1e0f9a8b',
  agentId: '7d4c3b2a-1e0f-4a9b-8c7d-6e5f4a3b2c1d',
  channel: 'mobile_app',
  closedAt: '2026-03-14T09:26:53.589Z',
  closeReason: 'agent',
  lastAgentMessageId: '9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
  amountMinor: 150,
  currency: 'EUR',
  attributedAt: '2026-03-14T09:26:53.912Z',
};
