export { SocketLimitsModule } from './socket-limits.module';
export { SocketLimits } from './socket-limits.service';
