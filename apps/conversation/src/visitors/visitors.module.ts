import { Module } from '@nestjs/common';
import { RegisterVisitorService } from './register-visitor.service';
import { VisitorsRepository } from './visitors.repository';

@Module({
  providers: [VisitorsRepository, RegisterVisitorService],
  exports: [VisitorsRepository, RegisterVisitorService],
})
export class VisitorsModule {}
