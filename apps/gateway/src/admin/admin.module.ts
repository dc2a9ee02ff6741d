import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { KafkaModule } from '../kafka';
import { AgentsController } from './agents.controller';
import { CannedController } from './canned.controller';
import { RemunerationsController } from './remunerations.controller';

/** Admin API (CONTRACT.md): agents, canned responses, remunerations. */
@Module({
  imports: [AuthModule, KafkaModule],
  controllers: [AgentsController, CannedController, RemunerationsController],
})
export class AdminModule {}
