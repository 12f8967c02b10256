import { runService } from '@blog/platform';
import { buildApp } from './app.ts';
import { loadUserConfig } from './config.ts';

await runService(
  'user-service',
  () => loadUserConfig(),
  (config) => buildApp(config),
);
