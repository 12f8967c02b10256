import { listen, stopOnSignals } from '@blog/platform';
import { buildApp } from './app.ts';
import { loadUserConfig } from './config.ts';

let config;
try {
  config = loadUserConfig();
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}
const service = await buildApp(config);
await listen(service, config.HOST, config.PORT, config.INTERNAL_PORT);
stopOnSignals(service, config.SHUTDOWN_GRACE_MS, service.publicApp.log);
