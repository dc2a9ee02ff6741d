import { createInterface } from 'node:readline';
import { kafkaEnvSchema, parseEnv } from '../../src/config';
import { KafkaProducer } from '../../src/kafka/kafka-producer';
import { OutboxRelay } from '../../src/outbox/outbox-relay';

/**
 * An outbox relay alone in its process, for leadership tests (relay-leadership.int-spec.ts). It says
 * on stdout, one JSON line each, when it leads or stops leading, what it logs, and each batch it is
 * about to send; with RELAY_HOLD=1 it then waits for a `go` line on stdin before sending, so a test
 * can stop the process (SIGSTOP) exactly between reading rows and publishing them.
 */
const say = (event: string, data: unknown = null) =>
  process.stdout.write(`${JSON.stringify({ event, data })}\n`);

const gates: (() => void)[] = [];
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'go') gates.shift()?.();
});

async function main(): Promise<void> {
  const kafka = parseEnv(kafkaEnvSchema);
  const producer = new KafkaProducer(kafka, 'relay-process');
  await producer.connect();
  const relay = new OutboxRelay({
    databaseUrl: process.env.DATABASE_URL!,
    schema: process.env.RELAY_SCHEMA!,
    producer,
    pollIntervalMs: 200,
    database: { OUTBOX_RELAY_LEASE_MS: Number(process.env.OUTBOX_RELAY_LEASE_MS) },
    logger: { log: (m) => say('log', m), error: (m) => say('error', m) },
    beforePublish: async (ids) => {
      say('publishing', ids);
      if (process.env.RELAY_HOLD === '1') await new Promise<void>((resolve) => gates.push(resolve));
    },
  });
  relay.start();
  let leading = false;
  setInterval(() => {
    if (relay.leading === leading) return;
    leading = relay.leading;
    say(leading ? 'leading' : 'following');
  }, 20);
}

main().catch((err: Error) => {
  say('error', err.message);
  process.exit(1);
});
