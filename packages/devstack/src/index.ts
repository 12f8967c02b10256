export * from './keys.ts';
export * from './pki.ts';
export * from './postgres.ts';
export * from './routing.ts';
export * from './ports.ts';
export * from './service-env.ts';
