import { DynamicModule, Module } from '@nestjs/common';
import { databaseServiceImports } from '@pupitre/shared';
import type { BillingConfig } from './config/env.validation';
import { Initial1732500000000 } from './migrations/1732500000000-initial';
import { RemunerationsModule } from './remunerations';

export const BILLING_SCHEMA = 'billing';

@Module({})
export class AppModule {
  static forRoot(config: BillingConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...databaseServiceImports({
          service: 'billing',
          schema: BILLING_SCHEMA,
          config,
          migrations: [Initial1732500000000],
        }),
        RemunerationsModule.forRates({
          mobile_app: config.REMUNERATION_MOBILE_APP_MINOR,
          web_chat: config.REMUNERATION_WEB_CHAT_MINOR,
          currency: config.REMUNERATION_CURRENCY,
        }),
      ],
    };
  }
}
