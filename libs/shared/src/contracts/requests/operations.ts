import { billingRequests } from './billing-requests';
import { conversationRequests } from './conversation-requests';
import type { OpsOf } from './op';
import { routingRequests } from './routing-requests';

/** The requests each service answers on `<service>.requests`: a wrong shape does not compile. */
export type ConversationOps = OpsOf<typeof conversationRequests>;
export type RoutingOps = OpsOf<typeof routingRequests>;
export type BillingOps = OpsOf<typeof billingRequests>;

export interface ServiceOps {
  conversation: ConversationOps;
  routing: RoutingOps;
  billing: BillingOps;
}

/** Every service's operations, by the service that answers them. */
export const serviceRequests = {
  conversation: conversationRequests,
  routing: routingRequests,
  billing: billingRequests,
};
