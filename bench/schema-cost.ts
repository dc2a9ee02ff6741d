/**
 * bench/schema-cost — what checking the date-times of a request envelope and of an event envelope
 * costs, with the shared schemas (`dateTimeSchema`: zod's pattern, built once) against the same
 * schemas with zod's own `.datetime()` (which builds its pattern again on every parse). Prints
 * figures; not a test.
 *
 *   npm run bench:schema-cost -- [--parses 200000]
 *
 * The values are what the gateway sends and the services publish: a request with its deadline and
 * commit-by, an event with its `occurredAt`. Runs in the order zod ours zod ours, each after a warm-up.
 *
 * Then a whole `message.posted` as a consumer checks it (`parseEvent`: the envelope, then the event's
 * data), with the shared zod 3 schemas against the same shapes in zod 4 (`zod/v4`, which zod 3.25
 * ships beside 3), and `JSON.parse` of the record alone as the floor. Each visitor message is checked
 * about four times on its way (its request at conversation, its reply at the gateway, its event at
 * the gateway and at routing): what moving to zod 4 would save per message (session 64).
 */
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { z as z4 } from 'zod/v4';
import { conversationEventSchemas } from '../libs/shared/src/contracts/conversation-events/conversation-events';
import { parseEvent } from '../libs/shared/src/contracts/parse-event';
import { envelopeSchema } from '../libs/shared/src/contracts/envelope';
import { requestEnvelopeSchema } from '../libs/shared/src/contracts/requests/request-envelope';
import { positiveOption } from './support/cli';

const now = Date.now();
const request = {
  requestId: crypto.randomUUID(),
  op: 'message.post',
  replyKey: 'gateway-1',
  sentAt: new Date(now).toISOString(),
  deadline: new Date(now + 5000).toISOString(),
  commitBy: new Date(now + 4750).toISOString(),
  correlationId: crypto.randomUUID(),
  data: { text: 'hello' },
};
const event = {
  eventId: crypto.randomUUID(),
  type: 'message.posted',
  occurredAt: new Date(now).toISOString(),
  correlationId: crypto.randomUUID(),
  causationId: null,
  data: {},
};

const schemas = {
  zod: {
    request: requestEnvelopeSchema.extend({
      deadline: z.string().datetime().optional(),
      commitBy: z.string().datetime().optional(),
    }),
    event: envelopeSchema.extend({ occurredAt: z.string().datetime({ offset: true }) }),
  },
  ours: { request: requestEnvelopeSchema, event: envelopeSchema },
};

const posted = {
  ...event,
  correlationId: crypto.randomUUID(),
  causationId: crypto.randomUUID(),
  data: {
    conversationId: crypto.randomUUID(),
    visitorId: crypto.randomUUID(),
    channel: 'web_chat',
    message: {
      id: crypto.randomUUID(),
      conversationId: crypto.randomUUID(),
      author: { type: 'visitor', id: crypto.randomUUID() },
      text: 'bench m1#1234',
      createdAt: new Date(now).toISOString(),
    },
  },
};
const postedRecord = JSON.stringify(posted);
const wanted = new Set(['message.posted']);
/**
 * The shared schemas' shapes for `message.posted`, in zod 4: `guid` is zod 3's `uuid` (any 8-4-4-4-12
 * hex string; zod 4's `uuid` also checks the version and variant).
 */
const zod4 = (() => {
  const envelope = z4.object({
    eventId: z4.guid(),
    type: z4.string().min(1),
    occurredAt: z4.iso.datetime({ offset: true }),
    correlationId: z4.string().min(1),
    causationId: z4.string().nullable(),
    data: z4.unknown(),
  });
  const data = z4.object({
    conversationId: z4.guid(),
    visitorId: z4.guid(),
    channel: z4.enum(['mobile_app', 'web_chat']),
    message: z4.object({
      id: z4.guid(),
      conversationId: z4.guid(),
      author: z4.object({ type: z4.enum(['visitor', 'agent']), id: z4.guid() }),
      text: z4.string(),
      createdAt: z4.iso.datetime(),
    }),
  });
  const schemas: Record<string, typeof data> = { 'message.posted': data };
  // parseEvent's steps, so that only the library differs: the envelope, the type wanted, the data.
  return (value: unknown) => {
    const e = envelope.safeParse(value);
    if (!e.success || !wanted.has(e.data.type) || !Object.hasOwn(schemas, e.data.type))
      throw new Error('zod 4 refused the envelope');
    const d = schemas[e.data.type].safeParse(e.data.data);
    if (!d.success) throw new Error('zod 4 refused the event');
    return { kind: 'event', event: { ...e.data, data: d.data } };
  };
})();
const parsers: Record<'JSON.parse alone' | 'zod 3 (ours)' | 'zod 4', (record: string) => void> = {
  'JSON.parse alone': (record) => void JSON.parse(record),
  'zod 3 (ours)': (record) => {
    if (parseEvent(conversationEventSchemas, wanted, JSON.parse(record)).kind !== 'event')
      throw new Error('the shared schemas refused the event');
  },
  'zod 4': (record) => void zod4(JSON.parse(record)),
};

/** Microseconds per call of `fn`, over `parses` calls after 10,000 unmeasured. */
function timePer(fn: () => void, parses: number): number {
  for (let i = 0; i < 10_000; i++) fn();
  const t0 = performance.now();
  for (let i = 0; i < parses; i++) fn();
  return ((performance.now() - t0) * 1000) / parses;
}

function measure(schema: z.ZodTypeAny, value: unknown, parses: number): number {
  return timePer(() => void schema.parse(value), parses);
}

function main(): void {
  const parses = positiveOption('parses', 200_000, true);
  console.log(`${parses} parses per figure; node ${process.version}`);
  console.log('date-times        request envelope (2)  event envelope (1)');
  for (const name of ['zod', 'ours', 'zod', 'ours'] as const) {
    const r = measure(schemas[name].request, request, parses);
    const e = measure(schemas[name].event, event, parses);
    const label = name === 'zod' ? "zod's .datetime()" : 'dateTimeSchema';
    console.log(`${label.padEnd(17)} ${r.toFixed(2).padStart(12)} µs  ${e.toFixed(2).padStart(15)} µs`);
  }
  console.log(
    `message.posted (${Buffer.byteLength(postedRecord)} bytes), read and checked as a consumer does`,
  );
  const names = Object.keys(parsers) as (keyof typeof parsers)[];
  for (const round of [1, 2]) {
    for (const name of names) {
      console.log(
        `  ${name.padEnd(17)} ${timePer(() => parsers[name](postedRecord), parses)
          .toFixed(2)
          .padStart(8)} µs   (round ${round})`,
      );
    }
  }
}

main();
