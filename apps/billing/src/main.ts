import { bootService, runMain } from '@pupitre/shared';
import { AppModule, BILLING_SCHEMA } from './app.module';
import { loadBillingConfig } from './config/env.validation';

export async function startBilling(env: NodeJS.ProcessEnv = process.env) {
  const config = loadBillingConfig(env);
  return bootService({
    service: 'billing',
    schema: BILLING_SCHEMA,
    databaseUrl: config.DATABASE_URL,
    kafka: config,
    module: AppModule.forRoot(config),
  });
}

if (require.main === module) runMain('billing', startBilling);
