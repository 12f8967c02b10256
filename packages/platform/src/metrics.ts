import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type pg from 'pg';
import type { App } from './server.ts';

/**
 * One service's Prometheus metrics, in a registry of its own (two services may share a process
 * in tests). Served on a separate plain-HTTP port that no ingress or gateway route reaches;
 * NetworkPolicies admit only Prometheus to it.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status_class'>;
  private readonly duration: Histogram<'method' | 'route'>;

  constructor(readonly service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 20 });
    this.requests = this.counter('http_requests_total', 'HTTP requests by route pattern and status class', [
      'method',
      'route',
      'status_class',
    ]);
    this.duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route pattern',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
  }

  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  gauge(name: string, help: string, collect: () => Promise<number> | number): Gauge {
    return new Gauge({
      name,
      help,
      registers: [this.registry],
      async collect() {
        this.set(await collect());
      },
    });
  }

  /** Requests and latency per route pattern (never the raw URL, which would explode the label set). */
  instrument(app: App): void {
    // The label children of each method, route and status class, found once: a lookup, not a
    // label set hashed on every request.
    const children = new Map<string, { requests: Counter.Internal; duration: Histogram.Internal<'method' | 'route'> }>();
    app.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? 'unmatched';
      const statusClass = `${Math.floor(reply.statusCode / 100)}xx`;
      const key = `${request.method} ${route} ${statusClass}`;
      let child = children.get(key);
      if (!child) {
        child = {
          requests: this.requests.labels({ method: request.method, route, status_class: statusClass }),
          duration: this.duration.labels({ method: request.method, route }),
        };
        children.set(key, child);
      }
      child.requests.inc();
      child.duration.observe(reply.elapsedTime / 1000);
      done();
    });
  }

  /** The connection pool: size, idle and waiting clients (waiting above zero means saturation). */
  instrumentPool(pool: pg.Pool): void {
    this.gauge('db_pool_connections', 'Open database connections', () => pool.totalCount);
    this.gauge('db_pool_idle_connections', 'Idle database connections', () => pool.idleCount);
    this.gauge('db_pool_waiting_clients', 'Queries waiting for a database connection', () => pool.waitingCount);
  }

  /** A plain-HTTP server for GET /metrics. */
  server(): Server {
    return createServer((request, response) => {
      if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
        response.writeHead(404, { 'content-type': 'application/json' }).end('{"msg":"Not found"}');
        return;
      }
      this.registry
        .metrics()
        .then((body) => response.writeHead(200, { 'content-type': this.registry.contentType }).end(body))
        .catch(() => response.writeHead(500, { 'content-type': 'application/json' }).end('{"msg":"Metrics unavailable"}'));
    });
  }
}
