import { runService } from '@blog/platform';
import { buildApp } from './app.ts';
import { loadWebConfig } from './config.ts';

await runService(
  'web-service',
  () => loadWebConfig(),
  (config) => buildApp(config),
);
