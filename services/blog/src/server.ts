import { runService } from '@blog/platform';
import { buildApp } from './app.ts';
import { loadBlogConfig } from './config.ts';

await runService(
  'blog-service',
  () => loadBlogConfig(),
  (config) => buildApp(config),
);
