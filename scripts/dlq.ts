/**
 * The dead-letter tool (`npm run dlq -- list | show <id> | replay <id>`), on KAFKA_BROKERS with
 * KAFKA_TOPIC_PREFIX: lists what the consumers gave up on, shows why (error, attempts, original
 * topic/partition/offset/key, the record), and replays a letter to its original topic. A replayed
 * event is applied once, however often it is replayed.
 */
import { kafkaEnvSchema, parseEnv } from '../libs/shared/src/config';
import { DeadLetters, StoredDeadLetter } from '../libs/shared/src/inbox/dead-letters';

const out = (line: string) => process.stdout.write(`${line}\n`);
const usage =
  'usage: npm run dlq -- list | show <id> | replay <id>   (id as printed by list: <topic>.dlq/<partition>/<offset>)';

const summary = (s: StoredDeadLetter) =>
  `${s.id}  ${s.letter.deadLetteredAt}  ${s.letter.originalTopic}[${s.letter.partition}]@${s.letter.offset}  ` +
  `key=${s.letter.key ?? '-'}  attempts=${s.letter.attempts}  ${s.letter.consumerGroup}: ${s.letter.error}`;

function details(s: StoredDeadLetter): string {
  const { letter } = s;
  let value: unknown = letter.value;
  try {
    value = JSON.parse(letter.value);
  } catch {
    // not JSON: shown as read
  }
  return JSON.stringify({ id: s.id, ...letter, value }, null, 2);
}

async function main(argv: string[]): Promise<number> {
  const [command, id] = argv;
  const letters = new DeadLetters(parseEnv(kafkaEnvSchema));
  switch (command) {
    case 'list': {
      const all = await letters.list();
      for (const s of all) out(summary(s));
      out(`${all.length} dead letter(s)`);
      return 0;
    }
    case 'show': {
      if (!id) break;
      const s = await letters.show(id);
      if (!s) return notFound(id);
      out(details(s));
      return 0;
    }
    case 'replay': {
      if (!id) break;
      const s = await letters.replay(id).catch(() => null);
      if (!s) return notFound(id);
      out(
        `replayed ${s.id} to ${s.letter.originalTopic} (key ${s.letter.key ?? '-'}) ` +
          `for ${s.consumers.join(', ')}`,
      );
      return 0;
    }
  }
  process.stderr.write(`${usage}\n`);
  return 2;
}

function notFound(id: string): number {
  process.stderr.write(`no dead letter ${id} (see npm run dlq -- list)\n`);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`dlq: ${err.message}\n`);
    process.exit(1);
  },
);
