export * from './database.ts';
export * from './api-client.ts';
export * from './local-platform.ts';
export * from './platform.ts';
export * from './in-process.ts';
export * from './example-session.ts';
export * from './read-load.ts';
export * from './tcp-forwarder.ts';
