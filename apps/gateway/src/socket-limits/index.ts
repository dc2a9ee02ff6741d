export { SocketLimitsModule } from './socket-limits.module';
export { SocketLimits } from './socket-limits.service';
export { OpenCounts } from './open-counts';
