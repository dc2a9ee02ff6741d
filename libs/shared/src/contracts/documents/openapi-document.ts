import { OpenApiGeneratorV3, OpenAPIRegistry, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from '../zod';
import { ERROR_CODES, type ErrorCode } from '../../errors/error-code';
import {
  agentViewSchema,
  cannedResponseSchema,
  postedMessageSchema,
  visitorConversationSummarySchema,
} from '../views';
import {
  createAgentBody,
  createCannedBody,
  createdAgentSchema,
  errorResponseSchema,
  listMessagesQuery,
  messagePageSchema,
  postMessageBody,
  pushTokenBody,
  registeredVisitorSchema,
  registerVisitorBody,
  remunerationsPageSchema,
  remunerationsQuery,
  tokenSchema,
  updateAgentBody,
} from '../public';

/** An OpenAPI 3.0 document, as a plain JSON value (what /docs-json serves and docs/openapi.json holds). */
export type OpenApiDocument = ReturnType<OpenApiGeneratorV3['generateDocument']>;

type Responses = RouteConfig['responses'];

const json = (schema: z.ZodTypeAny) => ({ content: { 'application/json': { schema } } });
const ok = (description: string, schema?: z.ZodTypeAny) =>
  schema ? { description, ...json(schema) } : { description };
const error = (code: ErrorCode, why?: string) => ({
  description: why ? `${code}: ${why}` : code,
  ...json(errorResponseSchema),
});
const body = (schema: z.ZodTypeAny) => ({ body: { required: true, ...json(schema) } });
const idempotencyKey = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    .optional()
    .openapi({
      description:
        'Chosen by the client (1–255 visible ASCII characters); a create retried with the same key, on any ' +
        'gateway, answers with the first resource and creates nothing new.',
    }),
});
const pathId = (description: string) => ({
  params: z.object({ id: z.string().uuid().openapi({ param: { description } }) }),
});

const unauthenticated: Responses = { 401: error('UNAUTHENTICATED', 'missing or invalid token') };
const badInput: Responses = { 400: error('VALIDATION_FAILED') };
const notFound: Responses = { 404: error('NOT_FOUND') };
const unavailable: Responses = { 503: error('UNAVAILABLE', 'a service did not answer in time') };
const admin = { security: [{ admin: [] }], tags: ['admin'] };
const visitor = { security: [{ visitor: [] }], tags: ['sdk'] };

/** The HTTP API of CONTRACT.md, each body and reply from its schema in contracts. */
function routes(): RouteConfig[] {
  return [
    {
      ...admin,
      method: 'post',
      path: '/v1/admin/agents',
      summary: 'Create an agent and their desk credential',
      request: { ...body(createAgentBody), headers: idempotencyKey },
      responses: {
        201: ok('Created', createdAgentSchema),
        ...badInput,
        ...unauthenticated,
        422: error('MOBILE_CAPACITY_FIXED', 'mobileCapacity cannot be set (R5)'),
        ...unavailable,
      },
    },
    {
      ...admin,
      method: 'get',
      path: '/v1/admin/agents',
      summary: 'List agents with status and slots',
      responses: { 200: ok('Agents', z.array(agentViewSchema)), ...unauthenticated, ...unavailable },
    },
    {
      ...admin,
      method: 'patch',
      path: '/v1/admin/agents/{id}',
      summary: "Change an agent's name or chat capacity",
      request: { ...pathId('Agent id'), ...body(updateAgentBody) },
      responses: {
        200: ok('The agent', agentViewSchema),
        ...badInput,
        ...unauthenticated,
        ...notFound,
        422: error('MOBILE_CAPACITY_FIXED', 'mobileCapacity cannot be changed (R5)'),
        ...unavailable,
      },
    },
    {
      ...admin,
      method: 'post',
      path: '/v1/admin/agents/{id}/token',
      summary: 'Issue a new desk credential (the previous one stops working)',
      request: pathId('Agent id'),
      responses: { 201: ok('The new token', tokenSchema), ...unauthenticated, ...notFound, ...unavailable },
    },
    {
      ...admin,
      method: 'post',
      path: '/v1/admin/canned-responses',
      summary: 'Create a canned response',
      request: { ...body(createCannedBody), headers: idempotencyKey },
      responses: {
        201: ok('Created', cannedResponseSchema),
        ...badInput,
        ...unauthenticated,
        ...unavailable,
      },
    },
    {
      ...admin,
      method: 'get',
      path: '/v1/admin/canned-responses',
      summary: 'List canned responses',
      responses: { 200: ok('Canned responses', z.array(cannedResponseSchema)), ...unauthenticated },
    },
    {
      ...admin,
      method: 'delete',
      path: '/v1/admin/canned-responses/{id}',
      summary: 'Delete a canned response',
      request: pathId('Canned response id'),
      responses: { 204: ok('Deleted'), ...unauthenticated, ...notFound, ...unavailable },
    },
    {
      ...admin,
      method: 'get',
      path: '/v1/admin/remunerations',
      summary: 'Remunerations (R14), optionally for one agent and a period',
      request: { query: remunerationsQuery },
      responses: {
        200: ok('Remunerations and their total', remunerationsPageSchema),
        ...badInput,
        ...unauthenticated,
        ...unavailable,
      },
    },
    {
      tags: ['sdk'],
      method: 'post',
      path: '/v1/visitors',
      summary: 'Register a visitor (public, rate limited per client address)',
      request: body(registerVisitorBody),
      responses: {
        201: ok('The visitor and their token', registeredVisitorSchema),
        ...badInput,
        429: error('RATE_LIMITED'),
        ...unavailable,
      },
    },
    {
      ...visitor,
      method: 'post',
      path: '/v1/visitor/token',
      summary:
        'A new visitor token for a current one (tokens expire; one an hour old or more also comes back ' +
        'renewed in the X-Visitor-Token header of any SDK answer)',
      responses: { 201: ok('The new token', tokenSchema), ...unauthenticated },
    },
    {
      security: [{ agent: [] }],
      tags: ['desk'],
      method: 'post',
      path: '/v1/agent/token',
      summary: 'A new desk token for a current, unexpired and unrotated one',
      responses: { 201: ok('The new token', tokenSchema), ...unauthenticated, ...unavailable },
    },
    {
      ...visitor,
      method: 'post',
      path: '/v1/visitor/messages',
      summary: "Send a message to the visitor's open conversation (a new one starts if none is open)",
      request: body(postMessageBody),
      responses: {
        201: ok('The message', postedMessageSchema),
        ...badInput,
        ...unauthenticated,
        403: error('VISITOR_BLOCKED'),
        413: error('PAYLOAD_TOO_LARGE'),
        ...unavailable,
      },
    },
    {
      ...visitor,
      method: 'get',
      path: '/v1/visitor/conversations',
      summary: "The visitor's conversations, newest first",
      responses: { 200: ok('Conversations', z.array(visitorConversationSummarySchema)), ...unauthenticated },
    },
    {
      ...visitor,
      method: 'put',
      path: '/v1/visitor/push-token',
      summary: "Register the device's push token (one per visitor, the latest wins)",
      request: body(pushTokenBody),
      responses: { 204: ok('Stored'), ...badInput, ...unauthenticated, ...unavailable },
    },
    {
      ...visitor,
      method: 'delete',
      path: '/v1/visitor/push-token',
      summary: "Remove the visitor's push token (no more notifications.push records)",
      responses: { 204: ok('Removed'), ...unauthenticated, ...unavailable },
    },
    {
      ...visitor,
      method: 'get',
      path: '/v1/visitor/conversations/{id}/messages',
      summary: "A conversation's messages, oldest first",
      request: { ...pathId('Conversation id'), query: listMessagesQuery },
      responses: {
        200: ok('A page of messages', messagePageSchema),
        ...badInput,
        ...unauthenticated,
        ...notFound,
      },
    },
    {
      tags: ['health'],
      method: 'get',
      path: '/health/live',
      summary: 'The process answers',
      responses: { 200: ok('Live') },
    },
    {
      tags: ['health'],
      method: 'get',
      path: '/health/ready',
      summary: 'Gateway, routing, conversation and billing are up and consuming',
      responses: { 200: ok('Ready'), 503: ok('Not ready: the body names what is not') },
    },
    {
      tags: ['desk'],
      method: 'get',
      path: '/desk',
      summary: 'The agent desk web page',
      responses: { 200: ok('HTML') },
    },
  ];
}

/** The HTTP API of CONTRACT.md as an OpenAPI 3 document, generated from the contracts' schemas. */
export function buildOpenApiDocument(): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'admin', {
    type: 'http',
    scheme: 'bearer',
    description: 'ADMIN_TOKEN',
  });
  registry.registerComponent('securitySchemes', 'visitor', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'From POST /v1/visitors',
  });
  registry.registerComponent('securitySchemes', 'agent', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'The desk token, from POST /v1/admin/agents or /v1/admin/agents/{id}/token',
  });
  for (const route of routes()) registry.registerPath(route);
  return new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: '3.0.3',
    info: {
      title: 'Pupitre gateway',
      version: '1',
      description:
        'Admin API (Bearer ADMIN_TOKEN) and SDK API (Bearer visitor token). Sockets: Socket.IO namespaces ' +
        '`/desk` (agent token) and `/visitor` (visitor token), handshake `auth: {token}`. Errors are ' +
        '`{"error": {"code", "message"}}` with a code among ' +
        `${ERROR_CODES.join(', ')}. The agent desk is served at \`/desk\`. Generated from the zod schemas ` +
        'in libs/shared/src/contracts (npm run docs:generate).',
    },
  });
}
