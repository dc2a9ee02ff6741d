export * from './prepare-database';
export * from './typeorm-options';
export * from './session-options';
export * from './rows';
export * from './prepared';
export * from './begin-rides';
export * from './write-behind';
export * from './query-error-logger';
