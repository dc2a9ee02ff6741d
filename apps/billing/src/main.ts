import { bootDatabaseService, runMain } from '@pupitre/shared';
import { AppModule, BILLING_SCHEMA } from './app.module';
import { loadBillingConfig } from './config/env.validation';

export async function startBilling(env: NodeJS.ProcessEnv = process.env) {
  const config = loadBillingConfig(env);
  return bootDatabaseService('billing', BILLING_SCHEMA, config, AppModule.forRoot(config), env);
}

if (require.main === module) runMain('billing', startBilling);
