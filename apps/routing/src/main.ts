import { bootDatabaseService, runMain } from '@pupitre/shared';
import { AppModule, ROUTING_SCHEMA } from './app.module';
import { loadRoutingConfig } from './config/env.validation';
import { ROUTING_SERVICE } from './config/routing.config';

export async function startRouting(env: NodeJS.ProcessEnv = process.env) {
  const config = loadRoutingConfig(env);
  return bootDatabaseService(ROUTING_SERVICE, ROUTING_SCHEMA, config, AppModule.forRoot(config), env);
}

if (require.main === module) runMain('routing', startRouting);
