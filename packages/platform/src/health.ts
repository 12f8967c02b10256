import { Type } from 'typebox';
import type { App } from './server.ts';

export interface Readiness {
  draining: boolean;
}

const Status = Type.Object({ status: Type.String() });

/**
 * `/healthz` says the process runs; `/readyz` says this replica should get traffic: it has
 * started (configuration, certificates and, for a service with a database, its migrations checked
 * at start) and is not draining. It leaves out what every replica shares, the database above all:
 * were a moving primary to make every replica unready at once, the Service would have no endpoint
 * and the edge would answer for it with a bare 503; instead each request that needs the database
 * waits for it (DATABASE_PRIMARY_WAIT_MS) and answers the service's own 503 with Retry-After.
 * While draining, every answer also closes its connection: a client holding a kept-alive
 * connection to this replica reconnects, and the Service sends the new one to a ready replica.
 */
export function registerHealthRoutes(app: App, readiness: Readiness): void {
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (readiness.draining) reply.header('connection', 'close');
    done(null, payload);
  });
  const schema = { hide: true, response: { 200: Status, 503: Status } };
  app.get('/healthz', { schema, logLevel: 'warn' }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema, logLevel: 'warn' }, async (_request, reply) => {
    if (readiness.draining) return reply.status(503).send({ status: 'draining' });
    return { status: 'ready' };
  });
}
