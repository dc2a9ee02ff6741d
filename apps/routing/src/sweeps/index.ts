export { SweepsModule } from './sweeps.module';
