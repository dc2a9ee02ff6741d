export { RemunerationsModule } from './remunerations.module';
