import { OpenApiGeneratorV31, OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from '../zod';
import {
  BILLING_REMUNERATIONS,
  remunerationExample,
  remunerationSchema,
} from '../billing-remunerations/remuneration';
import {
  CONVERSATION_CLOSURES,
  CONVERSATION_EVENTS,
  conversationEventMessages,
} from '../conversation-events/conversation-events';
import { deadLetterSchema, deadLetterTopic } from '../dead-letter';
import { serviceRequests } from '../requests/operations';
import type { OpSchemas } from '../requests/op';
import {
  GATEWAY_REPLIES,
  replyEnvelopeSchema,
  requestEnvelopeSchema,
  requestTopic,
  SERVICES,
  type ServiceName,
} from '../requests/request-envelope';
import { ROUTING_EVENTS, routingEventMessages } from '../routing-events/routing-events';
import { SERVICE_HEARTBEATS, serviceHeartbeatSchema } from '../heartbeats/service-heartbeat';
import { errorBodySchema } from '../public/errors';
import { FINANCE_CONSUMPTION } from './finance-consumption';
import {
  NOTIFICATIONS_PUSH,
  PUSH_CONSUMPTION,
  pushNotificationSchema,
} from '../notifications-push/push-notification';

/** An AsyncAPI 3.0 document, as a plain JSON value (what docs/asyncapi.json holds). */
export type AsyncApiDocument = Record<string, unknown>;

const KAFKA = { bindingVersion: '0.5.0' };
const uuidKey = (description: string) => ({
  bindings: { kafka: { ...KAFKA, key: { type: 'string', format: 'uuid', description } } },
});
const stringKey = (description: string) => ({
  bindings: { kafka: { ...KAFKA, key: { type: 'string', description } } },
});
const ref = (path: string) => ({ $ref: `#/${path}` });
/** `conversation.opened` → `ConversationOpened` (a component name). */
const pascal = (name: string) =>
  name
    .split(/[.\-_]/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

interface Channel {
  address: string;
  title: string;
  description: string;
  messages: Record<string, unknown>;
}

/** Collects schemas (as JSON Schema, by zod-to-openapi), messages, channels and operations. */
class AsyncApiBuilder {
  private readonly registry = new OpenAPIRegistry();
  private readonly registered = new Set<string>();
  readonly messages: Record<string, unknown> = {};
  readonly channels: Record<string, Channel> = {};
  readonly operations: Record<string, unknown> = {};

  /** A message of a channel: its payload becomes the component schema `schemaName`. */
  message(
    channelId: string,
    messageId: string,
    schemaName: string,
    schema: z.ZodTypeAny,
    meta: Record<string, unknown>,
  ): { $ref: string } {
    if (!this.registered.has(schemaName)) this.registry.register(schemaName, schema);
    this.registered.add(schemaName);
    this.messages[messageId] = {
      name: messageId,
      contentType: 'application/json',
      payload: ref(`components/schemas/${schemaName}`),
      ...meta,
    };
    this.channels[channelId].messages[messageId] = ref(`components/messages/${messageId}`);
    return ref(`channels/${channelId}/messages/${messageId}`);
  }

  channel(channelId: string, channel: Omit<Channel, 'messages'>): { $ref: string } {
    this.channels[channelId] = { ...channel, messages: {} };
    return ref(`channels/${channelId}`);
  }

  schemas(): Record<string, unknown> {
    return new OpenApiGeneratorV31(this.registry.definitions).generateComponents().components?.schemas ?? {};
  }
}

function eventTopic(
  b: AsyncApiBuilder,
  id: string,
  address: string,
  description: string,
  events: Record<string, z.ZodTypeAny>,
  keyOf: (type: string) => string,
) {
  const channel = b.channel(id, { address, title: address, description });
  return {
    channel,
    messages: Object.entries(events).map(([type, schema]) =>
      b.message(id, type, `${pascal(type)}Event`, schema, {
        title: type,
        summary: (events[type] as z.ZodObject<{ data: z.ZodTypeAny }>).shape.data.description,
        // A key that names a channel is not a uuid.
        ...(keyOf(type).startsWith('channel') ? stringKey(keyOf(type)) : uuidKey(keyOf(type))),
      }),
    ),
  };
}

function requestTopics(b: AsyncApiBuilder) {
  const replies = b.channel('gatewayReplies', {
    address: GATEWAY_REPLIES,
    title: GATEWAY_REPLIES,
    description:
      'Replies to the requests, keyed by the asking gateway instance (replyKey): each instance reads them all ' +
      'and keeps its own. A service answers a redelivered request with the reply it stored the first time.',
  });
  const failed = b.message(
    'gatewayReplies',
    'reply.failed',
    'ReplyFailed',
    replyEnvelopeSchema.options[1].extend({ error: errorBodySchema }),
    {
      title: 'A refused request',
      summary: 'The request failed: the error code and message the gateway shows.',
    },
  );
  for (const service of SERVICES) {
    const channelId = `${service}Requests`;
    const channel = b.channel(channelId, {
      address: requestTopic(service),
      title: requestTopic(service),
      description:
        `What the gateway asks the ${service} service; consumed by its group \`${service}\`. Keyed by the ` +
        'aggregate the request touches (a conversation, an agent, a visitor). Replies go to gateway.replies.',
    });
    for (const [op, schemas] of Object.entries(serviceRequests[service] as Record<string, OpSchemas>)) {
      const id = `${service}.${op}`;
      const request = b.message(
        channelId,
        `${id}.request`,
        `${pascal(id)}Request`,
        requestEnvelopeSchema.extend({ op: z.literal(op), data: schemas.in }),
        { title: op, summary: schemas.summary, ...stringKey('The id of the aggregate the request touches') },
      );
      const reply = b.message(
        'gatewayReplies',
        `${id}.reply`,
        `${pascal(id)}Reply`,
        replyEnvelopeSchema.options[0].extend({ data: schemas.out }),
        {
          title: `${op} (reply)`,
          summary: `The answer to ${op}.`,
          ...stringKey('replyKey: the asking gateway instance'),
        },
      );
      b.operations[`${service}Answers${pascal(op)}`] = {
        action: 'receive',
        channel,
        summary: `${service} answers ${op}`,
        messages: [request],
        reply: { channel: replies, messages: [reply, failed] },
      };
    }
  }
}

function deadLetterTopics(b: AsyncApiBuilder, topics: string[]) {
  for (const topic of topics) {
    const id = `${pascal(topic)}Dlq`.replace(/^./, (c) => c.toLowerCase());
    const channel = b.channel(id, {
      address: deadLetterTopic(topic),
      title: deadLetterTopic(topic),
      description:
        `Records of ${topic} a consumer gave up on (invalid, or still failing after its bounded attempts), ` +
        'keyed by the original key. Read by operators; replayed by hand.',
    });
    const message = b.message(id, `${topic}.dead-letter`, 'DeadLetter', deadLetterSchema, {
      title: `Dead letter of ${topic}`,
      ...stringKey('The original record key'),
    });
    b.operations[`deadLetter${pascal(topic)}`] = { action: 'send', channel, messages: [message] };
  }
}

function heartbeatTopic(b: AsyncApiBuilder) {
  const channel = b.channel('serviceHeartbeats', {
    address: SERVICE_HEARTBEATS,
    title: SERVICE_HEARTBEATS,
    description:
      'Each service instance whose consumer has joined its group publishes one heartbeat a second, straight ' +
      'through its producer (never behind the outbox or the request backlog). Every gateway instance reads ' +
      'them (its own group) and answers GET /health/ready from the age of the last one of each service.',
  });
  const message = b.message(
    'serviceHeartbeats',
    'service.heartbeat',
    'ServiceHeartbeat',
    serviceHeartbeatSchema,
    {
      title: 'Service heartbeat',
      summary: 'A service instance is up and consuming.',
      ...stringKey('The service name'),
    },
  );
  b.operations.servicesPublishHeartbeats = { action: 'send', channel, messages: [message] };
}

function financeTopic(b: AsyncApiBuilder) {
  const channel = b.channel('billingRemunerations', {
    address: BILLING_REMUNERATIONS,
    title: `${BILLING_REMUNERATIONS} (public: finance)`,
    description: FINANCE_CONSUMPTION,
  });
  const message = b.message('billingRemunerations', 'remuneration', 'Remuneration', remunerationSchema, {
    title: 'Remuneration',
    summary: remunerationSchema.description,
    ...uuidKey('conversationId: one remuneration per conversation, in order per conversation'),
    examples: [
      {
        name: 'closed-by-agent',
        summary: `A mobile conversation closed by its agent (key ${remunerationExample.conversationId})`,
        payload: remunerationExample,
      },
    ],
  });
  b.operations.billingPublishesRemunerations = {
    action: 'send',
    channel,
    summary: 'billing publishes one remuneration per conversation closed with an agent message (R14)',
    messages: [message],
  };
  b.operations.financeConsumesRemunerations = {
    action: 'receive',
    channel,
    summary: 'A finance team reads every remuneration, at least once',
    description: FINANCE_CONSUMPTION,
    messages: [message],
    bindings: {
      kafka: {
        ...KAFKA,
        groupId: { type: 'string', description: "The finance team's own group, e.g. finance-remunerations" },
      },
    },
  };
}

function pushTopic(b: AsyncApiBuilder) {
  const channel = b.channel('notificationsPush', {
    address: NOTIFICATIONS_PUSH,
    title: `${NOTIFICATIONS_PUSH} (public: the app's push sender)`,
    description: PUSH_CONSUMPTION,
  });
  const message = b.message(
    'notificationsPush',
    'push-notification',
    'PushNotification',
    pushNotificationSchema,
    {
      title: 'Push notification',
      summary: pushNotificationSchema.description,
      ...uuidKey('visitorId: in order per visitor'),
    },
  );
  b.operations.conversationPublishesPushNotifications = {
    action: 'send',
    channel,
    summary:
      'conversation publishes one record per agent message stored while its visitor has a push token and no ' +
      'connected /visitor socket on any gateway',
    messages: [message],
  };
  b.operations.appConsumesPushNotifications = {
    action: 'receive',
    channel,
    summary: "The app's own push sender reads them, at least once, and deduplicates on eventId",
    description: PUSH_CONSUMPTION,
    messages: [message],
  };
}

/** Every topic of the system as an AsyncAPI 3.0 document, generated from the contracts' schemas. */
export function buildAsyncApiDocument(): AsyncApiDocument {
  const b = new AsyncApiBuilder();
  const conversationEvents = eventTopic(
    b,
    'conversationEvents',
    CONVERSATION_EVENTS,
    'What happens to conversations. Produced by conversation (through its outbox); consumed by routing ' +
      '(group `routing`) and each gateway instance (group `gateway-<instance>`).',
    conversationEventMessages,
    () => 'conversationId',
  );
  b.operations.conversationPublishesEvents = { action: 'send', ...conversationEvents };
  const conversationClosures = eventTopic(
    b,
    'conversationClosures',
    CONVERSATION_CLOSURES,
    'Each conversation.closed again, the same record (same eventId) as on conversation.events, written in ' +
      'the same transaction. Produced by conversation (through its outbox); consumed by billing (group ' +
      '`billing`), which so reads one record per close rather than every message posted.',
    { 'conversation.closed': conversationEventMessages['conversation.closed'] },
    () => 'conversationId',
  );
  b.operations.conversationPublishesClosures = { action: 'send', ...conversationClosures };
  const routingEvents = eventTopic(
    b,
    'routingEvents',
    ROUTING_EVENTS,
    'Assignments, queues, deadlines and slots. Produced by routing (through its outbox); consumed by ' +
      'conversation (group `conversation`) and each gateway instance (group `gateway-<instance>`).',
    routingEventMessages,
    (type) =>
      type.startsWith('agent.')
        ? 'agentId'
        : type.startsWith('queue.')
          ? 'channel (mobile_app | web_chat)'
          : 'conversationId',
  );
  b.operations.routingPublishesEvents = { action: 'send', ...routingEvents };
  financeTopic(b);
  pushTopic(b);
  requestTopics(b);
  heartbeatTopic(b);
  deadLetterTopics(b, [
    CONVERSATION_EVENTS,
    CONVERSATION_CLOSURES,
    ROUTING_EVENTS,
    ...SERVICES.map((s: ServiceName) => requestTopic(s)),
  ]);
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Pupitre topics',
      version: '1',
      description:
        'Every Kafka topic of Pupitre. Events travel in an envelope (eventId, type, occurredAt, correlationId, ' +
        "causationId, data), keyed by their aggregate so that one aggregate's records stay in order; values are " +
        'JSON. Consumers validate every record, skip event types they do not know, and dead-letter a record they ' +
        'cannot handle to `<topic>.dlq`. Generated from the zod schemas in libs/shared/src/contracts ' +
        '(npm run docs:generate). The public parts are `billing.remunerations` (CONTRACT.md, Finance topic) and ' +
        '`notifications.push` (CONTRACT.md, Additions).',
    },
    defaultContentType: 'application/json',
    servers: {
      local: {
        host: '127.0.0.1:9092',
        protocol: 'kafka',
        description: 'The broker `npm start` runs or reuses (KAFKA_BROKERS elsewhere).',
      },
    },
    channels: b.channels,
    operations: b.operations,
    components: { schemas: b.schemas(), messages: b.messages },
  };
}
