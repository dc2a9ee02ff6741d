import { bootDatabaseService, runMain } from '@pupitre/shared';
import { AppModule, CONVERSATION_SCHEMA } from './app.module';
import { loadConversationConfig } from './config/env.validation';

export async function startConversation(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConversationConfig(env);
  return bootDatabaseService('conversation', CONVERSATION_SCHEMA, config, AppModule.forRoot(config), env);
}

if (require.main === module) runMain('conversation', startConversation);
