import { Type } from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuditTrail } from './audit.ts';
import { forbidden } from './errors.ts';
import { principalOf } from './auth.ts';
import { can } from './rbac.ts';
import { errors } from './schemas.ts';
import type { App } from './server.ts';

const AuditQuery = Type.Object(
  { limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }), before: Type.Optional(Type.String({ pattern: '^[0-9]{1,19}$' })) },
  { additionalProperties: false },
);
const Nullable = (schema: ReturnType<typeof Type.String>) => Type.Union([schema, Type.Null()]);
const AuditEvents = Type.Object({
  events: Type.Array(
    Type.Object({
      id: Type.String(),
      at: Type.String(),
      actor: Nullable(Type.String()),
      action: Type.String(),
      target: Nullable(Type.String()),
      outcome: Type.String(),
      request_id: Nullable(Type.String()),
      client_ip: Nullable(Type.String()),
      details: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
      hash: Type.String(),
    }),
  ),
  next_before: Type.Union([Type.String(), Type.Null()]),
});

/** `GET <path>`: the service's audit trail, newest first, for admins only. */
export function registerAuditRoute(
  app: App,
  path: string,
  audit: AuditTrail,
  authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>,
): void {
  app.get(
    path,
    {
      onRequest: authenticate,
      schema: {
        tags: ['audit'],
        security: [{ bearer: [] }],
        querystring: AuditQuery,
        response: { 200: AuditEvents, ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      if (!can(principal, 'audit:read', '')) throw forbidden('Only an admin may read the audit trail');
      const events = await audit.list(request.query.limit, request.query.before);
      return {
        events: events.map(({ requestId, clientIp, prevHash: _prevHash, ...event }) => ({
          ...event,
          request_id: requestId,
          client_ip: clientIp,
          details: event.details ?? null,
        })),
        next_before: events.length === request.query.limit ? events.at(-1)!.id : null,
      };
    },
  );
}
