import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MessagingModule, typeOrmOptions } from '@pupitre/shared';
import type { BillingConfig } from './config/env.validation';
import { Initial1732500000000 } from './migrations/1732500000000-initial';
import { BillingConsumer } from './remunerations/billing.consumer';
import { RemunerationsRepository } from './remunerations/remunerations.repository';
import { REMUNERATION_RATES, RemunerationsService } from './remunerations/remunerations.service';

export const BILLING_SCHEMA = 'billing';

@Module({})
export class AppModule {
  static forRoot(config: BillingConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRoot(
          typeOrmOptions({
            url: config.DATABASE_URL,
            schema: BILLING_SCHEMA,
            entities: [],
            migrations: [Initial1732500000000],
          }),
        ),
        MessagingModule.forService({
          service: 'billing',
          schema: BILLING_SCHEMA,
          databaseUrl: config.DATABASE_URL,
          kafka: config,
        }),
      ],
      controllers: [BillingConsumer],
      providers: [
        RemunerationsRepository,
        RemunerationsService,
        {
          provide: REMUNERATION_RATES,
          useValue: {
            mobile_app: config.REMUNERATION_MOBILE_APP_MINOR,
            web_chat: config.REMUNERATION_WEB_CHAT_MINOR,
            currency: config.REMUNERATION_CURRENCY,
          },
        },
      ],
    };
  }
}
