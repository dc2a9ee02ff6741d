export { FanoutModule } from './fanout.module';
export { SocketHub } from './socket-hub';
export { rooms } from './rooms';
export { DeskViews } from './desk-views';
export { FanoutService } from './fanout.service';
export { QueuePositions } from './queue-positions';
export { DESKS_BEHIND, DeskFeedLag } from './desk-feed-lag';
