export { CannedModule } from './canned.module';
export { CannedResponsesService } from './canned-responses.service';
