import { bootDatabaseService, requestTopic, runMain, SeparateConsumer } from '@pupitre/shared';
import { AppModule, ROUTING_SCHEMA } from './app.module';
import { loadRoutingConfig } from './config/env.validation';
import { ROUTING_SERVICE } from './config/routing.config';

/**
 * The requests (desks connecting, releases, transfers: what the gateway waits for) have a consumer of
 * their own, so they never wait while a batch of conversation's events, one per message posted, is
 * applied (docs/architecture.md, "Batching and partitions").
 */
export const ROUTING_CONSUMERS: SeparateConsumer[] = [
  { groupId: 'routing-requests', topics: [requestTopic('routing')] },
];

export async function startRouting(env: NodeJS.ProcessEnv = process.env) {
  const config = loadRoutingConfig(env);
  return bootDatabaseService(
    ROUTING_SERVICE,
    ROUTING_SCHEMA,
    config,
    AppModule.forRoot(config),
    env,
    ROUTING_CONSUMERS,
  );
}

if (require.main === module) runMain('routing', startRouting);
