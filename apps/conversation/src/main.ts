import { bootService, runMain } from '@pupitre/shared';
import { AppModule, CONVERSATION_SCHEMA } from './app.module';
import { loadConversationConfig } from './config/env.validation';

export async function startConversation(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConversationConfig(env);
  return bootService({
    service: 'conversation',
    schema: CONVERSATION_SCHEMA,
    databaseUrl: config.DATABASE_URL,
    kafka: config,
    module: AppModule.forRoot(config),
  });
}

if (require.main === module) runMain('conversation', startConversation);
