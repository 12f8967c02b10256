export * from './model.ts';
export * from './network.ts';
export * from './pods.ts';
export * from './rules/network.ts';
export * from './rules/workload.ts';
export * from './audit.ts';
export * from './rules/live.ts';
export * from './sources.ts';
