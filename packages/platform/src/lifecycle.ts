import type { FastifyBaseLogger } from 'fastify';
import type { Readiness } from './health.ts';
import type { App } from './server.ts';

export interface ServiceHandle {
  readiness: Readiness;
  publicApp: App;
  internalApp: App;
  /** Releases what the apps do not own: pools, pollers, watchers. */
  closeResources(): Promise<void>;
}

/** Listens on both ports and returns their addresses. */
export async function listen(service: ServiceHandle, host: string, publicPort: number, internalPort: number) {
  const publicUrl = await service.publicApp.listen({ host, port: publicPort });
  const internalUrl = await service.internalApp.listen({ host, port: internalPort });
  return { publicUrl, internalUrl };
}

/**
 * Graceful stop in the order a rolling update needs: readiness turns off, the load balancer
 * notices during `drainDelayMs`, then both servers finish in-flight requests and close.
 */
export async function shutdown(service: ServiceHandle, drainDelayMs: number): Promise<void> {
  service.readiness.draining = true;
  if (drainDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, drainDelayMs));
  await Promise.all([service.publicApp.close(), service.internalApp.close()]);
  await service.closeResources();
}

export function stopOnSignals(service: ServiceHandle, drainDelayMs: number, log: FastifyBaseLogger): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    shutdown(service, drainDelayMs)
      .then(() => process.exit(0))
      .catch((error) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

/** The entry point of a service process: validated config (exit 2 naming the bad variable), listen, stop on signals. */
export async function runService<C extends { HOST: string; PORT: number; INTERNAL_PORT: number; SHUTDOWN_GRACE_MS: number }>(
  loadConfig: () => C,
  build: (config: C) => Promise<ServiceHandle>,
): Promise<void> {
  let config: C;
  try {
    config = loadConfig();
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  const service = await build(config);
  await listen(service, config.HOST, config.PORT, config.INTERNAL_PORT);
  stopOnSignals(service, config.SHUTDOWN_GRACE_MS, service.publicApp.log);
}
