export * from './prepare-database';
export * from './typeorm-options';
export * from './rows';
