import { Module } from '@nestjs/common';
import { PushNotifier } from './push-notifier';
import { PushRepository } from './push.repository';
import { PushService } from './push.service';

/** Push for visitors who left (issue 9): tokens, socket presence, and the notifications.push decision. */
@Module({
  providers: [PushRepository, PushService, PushNotifier],
  exports: [PushService, PushNotifier],
})
export class PushModule {}
