import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from './database-errors.ts';

/** An error whose status and message are meant for the client. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (msg: string) => new HttpError(400, msg);
export const unauthorized = (msg = 'Missing or invalid access token') => new HttpError(401, msg, { 'www-authenticate': 'Bearer' });
export const forbidden = (msg = 'You are not allowed to do this') => new HttpError(403, msg);
export const notFound = (msg: string) => new HttpError(404, msg);
export const conflict = (msg: string) => new HttpError(409, msg);
export const unprocessable = (msg: string) => new HttpError(422, msg);
export const serviceUnavailable = (msg: string) => new HttpError(503, msg);

function validationMessage(error: FastifyError): string {
  const first = error.validation?.[0];
  if (!first) return error.message;
  const where = error.validationContext ?? 'request';
  const field = first.instancePath ? first.instancePath.slice(1).replaceAll('/', '.') : '';
  const params = first.params as Record<string, unknown>;
  if (first.keyword === 'additionalProperties') return `${where}: unknown field "${String(params.additionalProperty)}"`;
  if (first.keyword === 'required') return `${where}: missing field "${String(params.missingProperty)}"`;
  return `${where}${field ? ` field "${field}"` : ''} ${first.message ?? 'is invalid'}`;
}

/** Every error leaves as JSON `{msg, request_id}`; only 4xx messages reach the client verbatim. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | HttpError, request: FastifyRequest, reply: FastifyReply) => {
    let status = error.statusCode ?? 500;
    let msg: string;
    if (error instanceof HttpError) {
      msg = error.message;
      reply.headers(error.headers);
    } else if ('validation' in error && error.validation) {
      status = 400;
      msg = validationMessage(error);
    } else if (status >= 400 && status < 500) {
      msg = error.message;
    } else if (isDatabaseUnavailable(error)) {
      // Down, failing over or out of connections: the client may try again in a moment.
      status = 503;
      msg = 'The database is unavailable; try again shortly';
      reply.header('retry-after', '1');
      request.log.warn({ err: error }, 'database unavailable');
    } else {
      status = 500;
      msg = 'Internal server error';
      request.log.error({ err: error }, 'unhandled error');
    }
    if (status === 401 || status === 403) request.log.info({ status, reason: msg }, 'request refused');
    return reply.status(status).send({ msg, request_id: request.id });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ msg: `No route for ${request.method} ${request.url.split('?')[0]}`, request_id: request.id }),
  );
}
