export * from './boot-service';
export * from './database-service';
