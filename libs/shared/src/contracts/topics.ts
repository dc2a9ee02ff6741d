import { BILLING_REMUNERATIONS, Remuneration } from './billing-remunerations/remuneration';
import {
  CONVERSATION_CLOSURES,
  CONVERSATION_EVENTS,
  ConversationClosure,
  ConversationEvent,
} from './conversation-events/conversation-events';
import { deadLetterTopic, DeadLetter } from './dead-letter';
import { SERVICE_HEARTBEATS } from './heartbeats/service-heartbeat';
import { NOTIFICATIONS_PUSH, PushNotification } from './notifications-push/push-notification';
import { GATEWAY_REPLIES, requestTopic, SERVICES } from './requests/request-envelope';
import { ROUTING_EVENTS, RoutingEvent } from './routing-events/routing-events';

/** What may be written to each topic through the outbox: a wrong payload does not compile. */
export interface TopicMap {
  'conversation.events': ConversationEvent;
  'conversation.closures': ConversationClosure;
  'routing.events': RoutingEvent;
  'billing.remunerations': Remuneration;
  'notifications.push': PushNotification;
  'conversation.events.dlq': DeadLetter;
  'conversation.closures.dlq': DeadLetter;
  'routing.events.dlq': DeadLetter;
  'conversation.requests.dlq': DeadLetter;
  'routing.requests.dlq': DeadLetter;
  'billing.requests.dlq': DeadLetter;
}
export type Topic = keyof TopicMap;

/** Every topic the system uses, to pre-create at start (partitions keep per-key order). */
export const ALL_TOPICS: string[] = [
  CONVERSATION_EVENTS,
  CONVERSATION_CLOSURES,
  ROUTING_EVENTS,
  BILLING_REMUNERATIONS,
  NOTIFICATIONS_PUSH,
  GATEWAY_REPLIES,
  SERVICE_HEARTBEATS,
  ...SERVICES.map(requestTopic),
  ...[CONVERSATION_EVENTS, CONVERSATION_CLOSURES, ROUTING_EVENTS, ...SERVICES.map(requestTopic)].map(
    deadLetterTopic,
  ),
];
