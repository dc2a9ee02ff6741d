export * from './envelope';
export * from './common';
export * from './topics';
export * from './dead-letter';
export * from './conversation-events/conversation-events';
export * from './routing-events/routing-events';
export * from './billing-remunerations/remuneration';
export * from './requests/request-envelope';
