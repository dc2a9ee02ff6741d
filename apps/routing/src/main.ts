import { bootService, runMain } from '@pupitre/shared';
import { AppModule, ROUTING_SCHEMA } from './app.module';
import { loadRoutingConfig } from './config/env.validation';

export async function startRouting(env: NodeJS.ProcessEnv = process.env) {
  const config = loadRoutingConfig(env);
  return bootService({
    service: 'routing',
    schema: ROUTING_SCHEMA,
    databaseUrl: config.DATABASE_URL,
    kafka: config,
    module: AppModule.forRoot(config),
  });
}

if (require.main === module) runMain('routing', startRouting);
