export { PushModule } from './push.module';
export { PushService } from './push.service';
export { PushNotifier } from './push-notifier';
export { PresenceCleanup } from './presence-cleanup';
export { type PushRead, targetOf, wouldBePushed } from './domain/push-notification';
export { presenceSeenAt } from './push.repository';
