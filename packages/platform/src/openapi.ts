import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { RouteOptions } from 'fastify';
import type { App } from './server.ts';

const bodyMethods = new Set(['POST', 'PUT', 'PATCH']);

/** The docs page's logo, given here so that Swagger UI's plugin reads no file of its own package at start-up (a bundle has none). */
const docsLogo = {
  type: 'image/svg+xml',
  content:
    '<svg xmlns="http://www.w3.org/2000/svg" width="160" height="32"><text x="0" y="24" font-family="sans-serif" font-size="20" fill="#fff">blog-platform</text></svg>',
};

/** Why a route's schema is incomplete, or undefined when it declares every part it takes and returns. */
export function missingSchemaParts(route: Pick<RouteOptions, 'method' | 'url' | 'schema'>): string[] {
  const schema = route.schema as Record<string, unknown> | undefined;
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const missing: string[] = [];
  if (!schema?.response) missing.push('response');
  if (route.url.includes(':') && !schema?.params) missing.push('params');
  if (methods.some((m) => bodyMethods.has(m)) && !schema?.body) missing.push('body');
  return missing;
}

/**
 * OpenAPI 3 from the route schemas, Swagger UI at /docs, and a start-up check that refuses
 * any route registered without the schemas it needs.
 */
export async function registerOpenApi(app: App, info: { title: string; version: string; description: string }): Promise<void> {
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) return;
    const missing = missingSchemaParts(route);
    if (missing.length > 0) throw new Error(`route ${String(route.method)} ${route.url} has no ${missing.join(', ')} schema`);
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info,
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, logo: docsLogo });
}
