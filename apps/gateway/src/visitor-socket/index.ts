export { VisitorSocketModule } from './visitor-socket.module';
