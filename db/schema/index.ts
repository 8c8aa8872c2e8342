export * from './users';
export * from './tenancy';
export * from './api-keys';
export * from './audit';
export * from './rate-limits';
export * from './tracking';
export * from './registry';
