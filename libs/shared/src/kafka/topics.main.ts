/**
 * The topics step as a command (`npm run topics`; npm start and docker compose run it before the
 * services): every topic of ALL_TOPICS, with KAFKA_TOPIC_PREFIX, on KAFKA_BROKERS. Idempotent.
 */
import { kafkaEnvSchema, parseEnv } from '../config';
import { ensureTopics } from './topic-admin';

async function main(): Promise<void> {
  const env = parseEnv(kafkaEnvSchema);
  const { created, topics } = await ensureTopics(env);
  const what = created.length > 0 ? `${created.length} created` : 'all there already';
  process.stdout.write(`topics: ${topics.length} ready on ${env.KAFKA_BROKERS.join(',')} (${what})\n`);
}

main().catch((err: Error) => {
  process.stderr.write(`topics step failed: ${err.message}\n`);
  process.exit(1);
});
