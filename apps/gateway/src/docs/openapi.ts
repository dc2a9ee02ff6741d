import type { OpenAPIObject } from '@nestjs/swagger';
import { CHANNELS, ERROR_CODES, PLATFORMS } from '@pupitre/shared';

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema) => ({ 'application/json': { schema } });
const ok = (description: string, schema?: Schema) =>
  schema ? { description, content: json(schema) } : { description };
const error = (description: string) => ({ description, content: json(ref('Error')) });
const uuid: Schema = { type: 'string', format: 'uuid' };
const time: Schema = { type: 'string', format: 'date-time', example: '2025-01-31T12:00:00.000Z' };
const text = (max: number): Schema => ({ type: 'string', minLength: 1, maxLength: max });
const obj = (properties: Record<string, Schema>, required: string[] = Object.keys(properties)): Schema => ({
  type: 'object',
  properties,
  required,
});
const idParam = (description: string) => ({
  name: 'id',
  in: 'path' as const,
  required: true,
  description,
  schema: uuid,
});

const admin = { security: [{ admin: [] }], tags: ['admin'] };
const visitor = { security: [{ visitor: [] }], tags: ['sdk'] };
const unauthenticated = { 401: error('UNAUTHENTICATED: missing or invalid token') };
const badInput = { 400: error('VALIDATION_FAILED') };
const notFound = { 404: error('NOT_FOUND') };
const unavailable = { 503: error('UNAVAILABLE: a service did not answer in time') };

const schemas: Record<string, Schema> = {
  Error: obj({
    error: obj({ code: { type: 'string', enum: [...ERROR_CODES] }, message: { type: 'string' } }),
  }),
  SlotUsage: obj({ used: { type: 'integer' }, capacity: { type: 'integer' } }),
  Slots: obj({ chat: ref('SlotUsage'), mobile: ref('SlotUsage') }),
  Agent: obj({
    id: uuid,
    name: text(100),
    chatCapacity: { type: 'integer', minimum: 0, maximum: 20 },
    mobileCapacity: { type: 'integer', description: 'Fixed by the platform (MOBILE_SLOTS, R5).' },
    status: { type: 'string', enum: ['available', 'away', 'offline'] },
    slots: ref('Slots'),
  }),
  CreatedAgent: obj({
    id: uuid,
    name: text(100),
    chatCapacity: { type: 'integer' },
    mobileCapacity: { type: 'integer' },
    token: { type: 'string', description: "The agent's desk credential." },
  }),
  CreateAgent: obj(
    {
      name: text(100),
      chatCapacity: { type: 'integer', minimum: 0, maximum: 20, description: 'Default DEFAULT_CHAT_SLOTS.' },
    },
    ['name'],
  ),
  UpdateAgent: obj({ name: text(100), chatCapacity: { type: 'integer', minimum: 0, maximum: 20 } }, []),
  Token: obj({ token: { type: 'string' } }),
  CannedResponse: obj({ id: uuid, title: text(100), text: text(4000) }),
  CreateCannedResponse: obj({ title: text(100), text: text(4000) }),
  Remuneration: obj({
    eventId: uuid,
    conversationId: uuid,
    agentId: uuid,
    channel: { type: 'string', enum: [...CHANNELS] },
    closedAt: time,
    closeReason: { type: 'string', enum: ['agent', 'inactivity', 'visitor_blocked'] },
    lastAgentMessageId: uuid,
    amountMinor: { type: 'integer' },
    currency: { type: 'string', example: 'EUR' },
    attributedAt: time,
  }),
  Remunerations: obj({
    items: { type: 'array', items: ref('Remuneration') },
    total: obj({ amountMinor: { type: 'integer' }, currency: { type: 'string' } }),
  }),
  RegisterVisitor: obj(
    {
      channel: { type: 'string', enum: [...CHANNELS] },
      name: text(100),
      platform: { type: 'string', enum: [...PLATFORMS] },
    },
    ['channel'],
  ),
  RegisteredVisitor: obj({
    visitorId: uuid,
    token: { type: 'string', description: 'The visitor token (Bearer).' },
  }),
  PostMessage: obj({
    text: { ...text(4000), description: 'Any Unicode, kept byte for byte; not blank.' },
    clientMessageId: {
      ...text(64),
      description: 'Chosen by the SDK; sending it again returns the first answer.',
    },
  }),
  PostedMessage: obj({ conversationId: uuid, messageId: uuid, createdAt: time }),
  ConversationSummary: obj(
    {
      id: uuid,
      channel: { type: 'string', enum: [...CHANNELS] },
      status: { type: 'string', enum: ['queued', 'assigned', 'released', 'closed'] },
      createdAt: time,
      closedAt: time,
      closeReason: { type: 'string', enum: ['agent', 'inactivity', 'visitor_blocked'] },
    },
    ['id', 'channel', 'status', 'createdAt'],
  ),
  Message: obj({
    id: uuid,
    conversationId: uuid,
    author: obj({ type: { type: 'string', enum: ['visitor', 'agent'] }, id: uuid }),
    text: { type: 'string' },
    createdAt: time,
  }),
  MessagePage: obj({ items: { type: 'array', items: ref('Message') }, nextCursor: uuid }, ['items']),
};

/** The HTTP API of CONTRACT.md as an OpenAPI 3 document, served at /docs (UI) and /docs-json. */
export function buildOpenApiDocument(): OpenAPIObject {
  return {
    openapi: '3.0.3',
    info: {
      title: 'Pupitre gateway',
      version: '1',
      description:
        'Admin API (Bearer ADMIN_TOKEN) and SDK API (Bearer visitor token). Sockets: Socket.IO namespaces ' +
        '`/desk` (agent token) and `/visitor` (visitor token), handshake `auth: {token}`. Errors are ' +
        '`{"error": {"code", "message"}}`. The agent desk is served at `/desk`.',
    },
    components: {
      securitySchemes: {
        admin: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' },
        visitor: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'From POST /v1/visitors',
        },
      },
      schemas,
    },
    paths: {
      '/v1/admin/agents': {
        post: {
          ...admin,
          summary: 'Create an agent and their desk credential',
          requestBody: { required: true, content: json(ref('CreateAgent')) },
          responses: {
            201: ok('Created', ref('CreatedAgent')),
            ...badInput,
            ...unauthenticated,
            422: error('MOBILE_CAPACITY_FIXED: mobileCapacity cannot be set (R5)'),
            ...unavailable,
          },
        },
        get: {
          ...admin,
          summary: 'List agents with status and slots',
          responses: {
            200: ok('Agents', { type: 'array', items: ref('Agent') }),
            ...unauthenticated,
            ...unavailable,
          },
        },
      },
      '/v1/admin/agents/{id}': {
        patch: {
          ...admin,
          summary: "Change an agent's name or chat capacity",
          parameters: [idParam('Agent id')],
          requestBody: { required: true, content: json(ref('UpdateAgent')) },
          responses: {
            200: ok('The agent', ref('Agent')),
            ...badInput,
            ...unauthenticated,
            ...notFound,
            422: error('MOBILE_CAPACITY_FIXED: mobileCapacity cannot be changed (R5)'),
            ...unavailable,
          },
        },
      },
      '/v1/admin/agents/{id}/token': {
        post: {
          ...admin,
          summary: 'Issue a new desk credential (the previous one stops working)',
          parameters: [idParam('Agent id')],
          responses: {
            201: ok('The new token', ref('Token')),
            ...unauthenticated,
            ...notFound,
            ...unavailable,
          },
        },
      },
      '/v1/admin/canned-responses': {
        post: {
          ...admin,
          summary: 'Create a canned response',
          requestBody: { required: true, content: json(ref('CreateCannedResponse')) },
          responses: {
            201: ok('Created', ref('CannedResponse')),
            ...badInput,
            ...unauthenticated,
            ...unavailable,
          },
        },
        get: {
          ...admin,
          summary: 'List canned responses',
          responses: {
            200: ok('Canned responses', { type: 'array', items: ref('CannedResponse') }),
            ...unauthenticated,
          },
        },
      },
      '/v1/admin/canned-responses/{id}': {
        delete: {
          ...admin,
          summary: 'Delete a canned response',
          parameters: [idParam('Canned response id')],
          responses: { 204: ok('Deleted'), ...unauthenticated, ...notFound, ...unavailable },
        },
      },
      '/v1/admin/remunerations': {
        get: {
          ...admin,
          summary: 'Remunerations (R14), optionally for one agent and a period',
          parameters: [
            { name: 'agentId', in: 'query', required: false, schema: uuid },
            {
              name: 'from',
              in: 'query',
              required: false,
              schema: { type: 'string', description: 'ISO 8601 date or date-time' },
            },
            {
              name: 'to',
              in: 'query',
              required: false,
              schema: { type: 'string', description: 'ISO 8601 date or date-time' },
            },
          ],
          responses: {
            200: ok('Remunerations and their total', ref('Remunerations')),
            ...badInput,
            ...unauthenticated,
            ...unavailable,
          },
        },
      },
      '/v1/visitors': {
        post: {
          tags: ['sdk'],
          summary: 'Register a visitor (public, rate limited per client address)',
          requestBody: { required: true, content: json(ref('RegisterVisitor')) },
          responses: {
            201: ok('The visitor and their token', ref('RegisteredVisitor')),
            ...badInput,
            429: error('RATE_LIMITED'),
            ...unavailable,
          },
        },
      },
      '/v1/visitor/messages': {
        post: {
          ...visitor,
          summary: "Send a message to the visitor's open conversation (a new one starts if none is open)",
          requestBody: { required: true, content: json(ref('PostMessage')) },
          responses: {
            201: ok('The message', ref('PostedMessage')),
            ...badInput,
            ...unauthenticated,
            403: error('VISITOR_BLOCKED'),
            413: error('PAYLOAD_TOO_LARGE'),
            ...unavailable,
          },
        },
      },
      '/v1/visitor/conversations': {
        get: {
          ...visitor,
          summary: "The visitor's conversations, newest first",
          responses: {
            200: ok('Conversations', { type: 'array', items: ref('ConversationSummary') }),
            ...unauthenticated,
          },
        },
      },
      '/v1/visitor/conversations/{id}/messages': {
        get: {
          ...visitor,
          summary: "A conversation's messages, oldest first",
          parameters: [
            idParam('Conversation id'),
            {
              name: 'after',
              in: 'query',
              required: false,
              schema: uuid,
              description: 'A message id (the nextCursor)',
            },
            {
              name: 'limit',
              in: 'query',
              required: false,
              schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
            },
          ],
          responses: {
            200: ok('A page of messages', ref('MessagePage')),
            ...badInput,
            ...unauthenticated,
            ...notFound,
          },
        },
      },
      '/health/live': {
        get: { tags: ['health'], summary: 'The process answers', responses: { 200: ok('Live') } },
      },
      '/health/ready': {
        get: {
          tags: ['health'],
          summary: 'Gateway, routing, conversation and billing are up and consuming',
          responses: { 200: ok('Ready'), 503: ok('Not ready: the body names what is not') },
        },
      },
      '/desk': {
        get: { tags: ['desk'], summary: 'The agent desk web page', responses: { 200: ok('HTML') } },
      },
    },
  };
}
