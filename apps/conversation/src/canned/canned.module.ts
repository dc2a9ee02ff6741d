import { Module } from '@nestjs/common';
import { MessagesModule } from '../messages';
import { CannedResponsesRepository } from './canned-responses.repository';
import { CannedResponsesService } from './canned-responses.service';

@Module({
  imports: [MessagesModule],
  providers: [CannedResponsesRepository, CannedResponsesService],
  exports: [CannedResponsesService],
})
export class CannedModule {}
