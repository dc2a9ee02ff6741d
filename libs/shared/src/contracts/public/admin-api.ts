import { z } from '../zod';
import { chatCapacitySchema, messageTextSchema, nameSchema } from '../fields';
import { billingRequests } from '../requests/billing-requests';
import { isoInstantSchema, optionalQuery, publicIdSchema } from './public-fields';

/**
 * Admin API bodies (CONTRACT.md, Admin API). Unknown fields are ignored (zod strips them), except
 * `mobileCapacity`, which the gateway refuses before parsing (R5).
 */
export const createAgentBody = z
  .object({
    name: nameSchema,
    /** Absent or null: DEFAULT_CHAT_SLOTS. */
    chatCapacity: chatCapacitySchema.nullish().openapi({ description: 'Default DEFAULT_CHAT_SLOTS.' }),
  })
  .openapi('CreateAgent');
export const updateAgentBody = z
  .object({
    name: nameSchema.optional(),
    chatCapacity: chatCapacitySchema.optional(),
  })
  .openapi('UpdateAgent');
export const createCannedBody = z
  .object({ title: nameSchema, text: messageTextSchema })
  .openapi('CreateCannedResponse');

const instantDoc = {
  type: 'string',
  description: 'ISO 8601 date (2025-01-31) or date-time with offset',
} as const;

export const remunerationsQuery = z
  .object({
    agentId: optionalQuery(publicIdSchema).openapi({ type: 'string', format: 'uuid' }),
    from: optionalQuery(isoInstantSchema).openapi(instantDoc),
    to: optionalQuery(isoInstantSchema).openapi(instantDoc),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'must not be after to', path: ['from'] });

/** The reply to creating an agent: the agent and their desk credential. */
export const createdAgentSchema = z
  .object({
    id: z.string().uuid(),
    name: z.string(),
    chatCapacity: z.number().int(),
    mobileCapacity: z.number().int(),
    token: z.string().describe("The agent's desk credential."),
  })
  .openapi('CreatedAgent');
export const tokenSchema = z.object({ token: z.string() }).openapi('Token');
export const remunerationsPageSchema = billingRequests['remunerations.list'].out.openapi('Remunerations');
