import { Type } from 'typebox';
import type { App } from './server.ts';

export interface Readiness {
  draining: boolean;
}

const Status = Type.Object({ status: Type.String() });

/**
 * `/healthz` says the process runs; `/readyz` says it should get traffic (dependencies up, not draining).
 * While draining, every answer also closes its connection: a client holding a kept-alive
 * connection to this replica reconnects, and the Service sends the new one to a ready replica.
 */
export function registerHealthRoutes(app: App, readiness: Readiness, isReady: () => Promise<void>): void {
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (readiness.draining) reply.header('connection', 'close');
    done(null, payload);
  });
  const schema = { hide: true, response: { 200: Status, 503: Status } };
  app.get('/healthz', { schema, logLevel: 'warn' }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema, logLevel: 'warn' }, async (request, reply) => {
    if (readiness.draining) return reply.status(503).send({ status: 'draining' });
    try {
      await isReady();
      return { status: 'ready' };
    } catch (error) {
      request.log.warn({ err: error }, 'not ready');
      return reply.status(503).send({ status: 'unavailable' });
    }
  });
}
