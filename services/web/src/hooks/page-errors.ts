import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError, type App } from '@blog/platform';
import { ApiRefusal, ApiUnavailable } from '../api/platform-api.ts';
import { redirectToSignIn, SignInRequired, viewerOf } from '../session.ts';

const titles: Record<number, string> = {
  400: 'This request is not valid',
  403: 'Not allowed',
  404: 'Page not found',
  413: 'Too large',
  429: 'Too many requests',
  503: 'Try again in a moment',
};

/** Every error leaves as a page in words a person understands; nothing internal is shown. */
export function renderError(request: FastifyRequest, reply: FastifyReply, status: number, message: string) {
  reply.header('cache-control', 'no-store');
  return reply.status(status).view('error.eta', {
    title: titles[status] ?? 'Something went wrong',
    message,
    status,
    viewer: viewerOf(request),
    requestId: request.id,
  });
}

export function installPageErrors(app: App): void {
  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    if (error instanceof SignInRequired) return redirectToSignIn(request, reply);
    if (error instanceof ApiRefusal) return renderError(request, reply, error.status, error.message);
    if (error instanceof ApiUnavailable) {
      request.log.warn({ err: error }, 'the API is unavailable');
      reply.header('retry-after', '2');
      return renderError(request, reply, 503, 'The platform is not answering right now. Please try again in a moment.');
    }
    if (error instanceof HttpError) return renderError(request, reply, error.statusCode, error.message);
    const status = (error as FastifyError).statusCode ?? 500;
    if ((error as FastifyError).code === 'FST_CSRF_INVALID_TOKEN' || (error as FastifyError).code === 'FST_CSRF_MISSING_SECRET')
      return renderError(request, reply, 403, 'This form has expired or did not come from this site. Reload the page and try again.');
    if ('validation' in error && error.validation) return renderError(request, reply, 400, 'The form was not filled in as expected.');
    if (status >= 400 && status < 500) return renderError(request, reply, status, error.message);
    request.log.error({ err: error }, 'unhandled error');
    return renderError(request, reply, 500, 'Something went wrong on our side. It has been logged.');
  });
  app.setNotFoundHandler((request, reply) => renderError(request, reply, 404, 'There is no page at this address.'));
}
