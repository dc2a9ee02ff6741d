export * from './public-fields';
export * from './admin-api';
export * from './sdk-api';
export * from './desk-socket';
export * from './errors';
