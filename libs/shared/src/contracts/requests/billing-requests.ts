import { z } from '../zod';
import { remunerationSchema } from '../billing-remunerations/remuneration';
import { idSchema, noDataSchema } from '../fields';
import { op } from './op';
import { dateTimeSchema } from '../date-time';

/** An instant with its offset; the gateway has normalised it to UTC. */
const instant = dateTimeSchema({ offset: true }).nullable();
const ping = op('Is the service up', noDataSchema, z.object({ service: z.string() }));

/** Topic `billing.requests`: what the gateway asks billing. */
export const billingRequests = {
  'system.ping': ping,
  'remunerations.list': op(
    'Remunerations, filtered by agent and close time, with the total of the whole filter',
    z.object({ agentId: idSchema.nullable(), from: instant, to: instant }),
    z.object({
      items: z.array(remunerationSchema),
      total: z.object({ amountMinor: z.number().int(), currency: z.string() }),
    }),
  ),
};
