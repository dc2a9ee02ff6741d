export { ConsumerModule } from './consumer.module';
