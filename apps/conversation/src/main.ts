import { bootDatabaseService, requestTopic, runMain, SeparateConsumer } from '@pupitre/shared';
import { AppModule, CONVERSATION_SCHEMA } from './app.module';
import { loadConversationConfig } from './config/env.validation';

/**
 * The requests (what the gateway waits for) have a consumer of their own, so they never wait while a
 * batch of routing's events is applied (docs/architecture.md, "Batching and partitions").
 */
export const CONVERSATION_CONSUMERS: SeparateConsumer[] = [
  { groupId: 'conversation-requests', topics: [requestTopic('conversation')] },
];

export async function startConversation(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConversationConfig(env);
  return bootDatabaseService(
    'conversation',
    CONVERSATION_SCHEMA,
    config,
    AppModule.forRoot(config),
    env,
    CONVERSATION_CONSUMERS,
  );
}

if (require.main === module) runMain('conversation', startConversation);
