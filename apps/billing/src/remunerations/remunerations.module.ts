import { DynamicModule, Module } from '@nestjs/common';
import type { RemunerationRates } from './domain/remuneration-for';
import { RemunerationsConsumer } from './remunerations.consumer';
import { RemunerationsRepository } from './remunerations.repository';
import { REMUNERATION_RATES, RemunerationsService } from './remunerations.service';

/** R14: remunerations attributed on every close, listed for admins, published for finance. */
@Module({})
export class RemunerationsModule {
  static forRates(rates: RemunerationRates): DynamicModule {
    return {
      module: RemunerationsModule,
      controllers: [RemunerationsConsumer],
      providers: [
        RemunerationsRepository,
        RemunerationsService,
        { provide: REMUNERATION_RATES, useValue: rates },
      ],
    };
  }
}
