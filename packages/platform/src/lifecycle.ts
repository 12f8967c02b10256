import type { Server } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import { startTracing } from './tracing.ts';
import type { Readiness } from './health.ts';
import type { App } from './server.ts';

export interface ServiceHandle {
  readiness: Readiness;
  publicApp: App;
  /** The mutual-TLS port for peers; a service that no peer calls (the web service) has none. */
  internalApp?: App;
  metricsServer: Server;
  /** Releases what the apps do not own: pools, pollers, watchers. */
  closeResources(): Promise<void>;
}

/** Listens on the public, internal (when the service has one) and metrics ports. */
export async function listen(service: ServiceHandle, host: string, ports: { public: number; internal?: number; metrics: number }) {
  await service.publicApp.listen({ host, port: ports.public });
  if (service.internalApp) {
    if (ports.internal === undefined) throw new Error('the service has an internal port but no INTERNAL_PORT');
    await service.internalApp.listen({ host, port: ports.internal });
  }
  await new Promise<void>((resolve, reject) => {
    service.metricsServer.once('error', reject);
    service.metricsServer.listen(ports.metrics, host, resolve);
  });
}

/**
 * Graceful stop in the order a rolling update needs: readiness turns off, the load balancer
 * notices during `drainDelayMs`, then both servers finish in-flight requests and close.
 */
export async function shutdown(service: ServiceHandle, drainDelayMs: number): Promise<void> {
  service.readiness.draining = true;
  if (drainDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, drainDelayMs));
  await Promise.all([
    service.publicApp.close(),
    service.internalApp?.close(),
    new Promise((resolve) => service.metricsServer.close(resolve)),
  ]);
  await service.closeResources();
}

export function stopOnSignals(service: ServiceHandle, drainDelayMs: number, log: FastifyBaseLogger, flush?: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    shutdown(service, drainDelayMs)
      .then(() => flush?.())
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
export async function runService<
  C extends {
    HOST: string;
    PORT: number;
    INTERNAL_PORT?: number;
    METRICS_PORT: number;
    SHUTDOWN_GRACE_MS: number;
    OTEL_EXPORTER_OTLP_ENDPOINT: string | undefined;
    OTEL_TRACES_SAMPLER_ARG: number;
  },
>(serviceName: string, loadConfig: () => C, build: (config: C) => Promise<ServiceHandle>): Promise<void> {
  let config: C;
  try {
    config = loadConfig();
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  // Before anything else, so that every span of the process goes to the collector.
  const stopTracing = await startTracing({
    serviceName,
    endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
    sampleRatio: config.OTEL_TRACES_SAMPLER_ARG,
  });
  let service: ServiceHandle;
  try {
    service = await build(config);
    await listen(service, config.HOST, { public: config.PORT, internal: config.INTERNAL_PORT, metrics: config.METRICS_PORT });
  } catch (error) {
    // One JSON line an operator can act on, not a stack trace; the orchestrator restarts the process.
    console.error(
      JSON.stringify({
        level: 'fatal',
        time: Date.now(),
        service: serviceName,
        msg: `cannot start: ${(error as Error).message}`,
        error: (error as Error).name,
      }),
    );
    process.exit(1);
  }
  stopOnSignals(service, config.SHUTDOWN_GRACE_MS, service.publicApp.log, stopTracing);
}
