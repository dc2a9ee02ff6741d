import type { z } from 'zod';
import { CHAT_CAPACITY } from '../fields';
import { billingRequests } from './billing-requests';
import { conversationRequests } from './conversation-requests';
import type { BillingOps, ConversationOps, RoutingOps } from './operations';
import { routingRequests } from './routing-requests';

/** Compiles only if each input schema fits a consumer's typedHandlers as is (`schema: map[op].in`). */
type FitsHandlers<Ops, M extends Record<keyof Ops, { in: z.ZodTypeAny }>> = {
  [K in keyof Ops]: M[K]['in'] extends z.ZodType<
    Ops[K] extends { in: infer I } ? I : never,
    z.ZodTypeDef,
    unknown
  >
    ? true
    : false;
}[keyof Ops];
const fits: [
  FitsHandlers<ConversationOps, typeof conversationRequests>,
  FitsHandlers<RoutingOps, typeof routingRequests>,
  FitsHandlers<BillingOps, typeof billingRequests>,
] = [true, true, true];

const id = '0b6f4a3e-8d0f-4c55-9d7a-1f4b7a2e9c10';
const accepts = (schema: { safeParse(v: unknown): { success: boolean } }, value: unknown) =>
  schema.safeParse(value).success;

describe('request schemas', () => {
  it("fit the consumers' typed handlers", () => expect(fits).toEqual([true, true, true]));

  it('has an input and an output schema for every operation', () => {
    for (const ops of [conversationRequests, routingRequests, billingRequests])
      for (const [op, s] of Object.entries(ops)) {
        expect([op, typeof s.in.safeParse, typeof s.out.safeParse, s.summary.length > 0]).toEqual([
          op,
          'function',
          'function',
          true,
        ]);
      }
  });

  it('bounds chat capacity once, for create and update (R4)', () => {
    const create = routingRequests['agent.create'].in;
    for (const chatCapacity of [CHAT_CAPACITY.min, CHAT_CAPACITY.max, null])
      expect(accepts(create, { agentId: id, name: 'Ana', chatCapacity })).toBe(true);
    for (const chatCapacity of [CHAT_CAPACITY.max + 1, -1, 1.5, '3'])
      expect(accepts(create, { agentId: id, name: 'Ana', chatCapacity })).toBe(false);
    expect(accepts(routingRequests['agent.update'].in, { agentId: id, chatCapacity: 21 })).toBe(false);
    expect(accepts(routingRequests['agent.update'].in, { agentId: id })).toBe(true);
  });

  it('lets mobileCapacity through to routing, which refuses it itself (R5)', () => {
    const parsed = routingRequests['agent.update'].in.parse({ agentId: id, mobileCapacity: 3 });
    expect(parsed).toEqual({ agentId: id, mobileCapacity: 3 });
  });

  it('takes texts of 1 to 4000 characters, counted in code points', () => {
    const post = conversationRequests['visitor.post-message'].in;
    const message = (text: string) => ({ visitorId: id, text, clientMessageId: 'm1' });
    expect(accepts(post, message('😀'.repeat(4000)))).toBe(true);
    expect(accepts(post, message('a'.repeat(4001)))).toBe(false);
    expect(accepts(post, message('  '))).toBe(false);
    expect(accepts(post, { ...message('hi'), clientMessageId: 'x'.repeat(65) })).toBe(false);
  });

  it('keeps what the services accepted before: a visitor name may be empty or null', () => {
    const register = conversationRequests['visitor.register'].in;
    const visitor = { visitorId: id, channel: 'web_chat', platform: null };
    expect(accepts(register, { ...visitor, name: '' })).toBe(true);
    expect(accepts(register, { ...visitor, name: null })).toBe(true);
    expect(accepts(register, { ...visitor, name: 'x'.repeat(101) })).toBe(false);
  });

  it('drops whatever a request without data carries', () => {
    expect(routingRequests['agent.list'].in.parse({ extra: 1 })).toEqual({});
  });

  it('takes remuneration filters with an offset, or none', () => {
    const list = billingRequests['remunerations.list'].in;
    expect(accepts(list, { agentId: null, from: '2025-01-31T00:00:00.000Z', to: null })).toBe(true);
    expect(accepts(list, { agentId: null, from: '2025-01-31', to: null })).toBe(false);
  });
});
