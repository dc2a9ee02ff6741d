import { Module } from '@nestjs/common';
import { PresenceCleanup } from './presence-cleanup';
import { PushNotifier } from './push-notifier';
import { PushRepository } from './push.repository';
import { PushService } from './push.service';

/** Push for visitors who left (issue 9): tokens, socket presence, and the notifications.push decision. */
@Module({
  providers: [PushRepository, PushService, PushNotifier, PresenceCleanup],
  exports: [PushService, PushNotifier, PresenceCleanup],
})
export class PushModule {}
