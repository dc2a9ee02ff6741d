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
 */
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { envelopeSchema } from '../libs/shared/src/contracts/envelope';
import { requestEnvelopeSchema } from '../libs/shared/src/contracts/requests/request-envelope';

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

function measure(schema: z.ZodTypeAny, value: unknown, parses: number): number {
  for (let i = 0; i < 10_000; i++) schema.parse(value);
  const t0 = performance.now();
  for (let i = 0; i < parses; i++) schema.parse(value);
  return ((performance.now() - t0) * 1000) / parses;
}

function main(): void {
  const i = process.argv.indexOf('--parses');
  const parses = i === -1 ? 200_000 : Number(process.argv[i + 1]);
  console.log(`${parses} parses per figure; node ${process.version}`);
  console.log('date-times        request envelope (2)  event envelope (1)');
  for (const name of ['zod', 'ours', 'zod', 'ours'] as const) {
    const r = measure(schemas[name].request, request, parses);
    const e = measure(schemas[name].event, event, parses);
    const label = name === 'zod' ? "zod's .datetime()" : 'dateTimeSchema';
    console.log(`${label.padEnd(17)} ${r.toFixed(2).padStart(12)} µs  ${e.toFixed(2).padStart(15)} µs`);
  }
}

main();
