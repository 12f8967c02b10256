// Each service documents itself as OpenAPI 3 from its route schemas and serves Swagger UI at /docs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingSchemaParts } from '@blog/platform';
import { startPlatform, type TestPlatform } from '@blog/test-support';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startPlatform();
});
afterAll(() => platform?.close());

const publicContract = [
  'GET /users',
  'GET /users/{handle}',
  'POST /users',
  'PUT /users/{handle}',
  'DELETE /users/{handle}',
  'POST /auth',
  'GET /users/blogs',
  'GET /blogs',
  'GET /blogs/{slug}',
  'GET /blogs/search',
  'POST /blogs',
  'PUT /blogs/{slug}',
  'DELETE /blogs/{slug}',
];

describe('OpenAPI', () => {
  it('documents every route of the public API contract, each with request and response schemas', async () => {
    const documented: string[] = [];
    for (const base of [platform.urls.userPublic, platform.urls.blogPublic]) {
      const { request } = await import('undici');
      const response = await request(`${base}/docs/json`, { dispatcher: platform.api.agent });
      expect(response.statusCode).toBe(200);
      const doc = (await response.body.json()) as { openapi: string; paths: Record<string, Record<string, any>> };
      expect(doc.openapi).toMatch(/^3\./);
      for (const [path, operations] of Object.entries(doc.paths)) {
        for (const [method, operation] of Object.entries(operations)) {
          const name = `${method.toUpperCase()} ${path}`;
          documented.push(name);
          expect(operation.responses?.['200'] ?? operation.responses?.['201'], name).toBeDefined();
          if (path.includes('{'))
            expect(
              operation.parameters?.some((p: { in: string }) => p.in === 'path'),
              name,
            ).toBe(true);
          if (method === 'post' || method === 'put')
            expect(operation.requestBody?.content?.['application/json']?.schema, name).toBeDefined();
          if (operation.security) expect(operation.responses['401'], name).toBeDefined();
        }
      }
    }
    for (const route of publicContract) expect(documented, route).toContain(route);
  });

  it('serves Swagger UI at /docs', async () => {
    const { request } = await import('undici');
    const response = await request(`${platform.urls.blogPublic}/docs/`, { dispatcher: platform.api.agent });
    expect(response.statusCode).toBe(200);
    expect(await response.body.text()).toContain('swagger');
  });

  it('refuses at start-up a route that lacks a schema it needs', () => {
    expect(missingSchemaParts({ method: 'GET', url: '/x', schema: { response: {} } })).toEqual([]);
    expect(missingSchemaParts({ method: 'GET', url: '/x/:id', schema: { response: {} } })).toEqual(['params']);
    expect(missingSchemaParts({ method: 'POST', url: '/x', schema: {} })).toEqual(['response', 'body']);
    expect(missingSchemaParts({ method: 'DELETE', url: '/x', schema: undefined })).toEqual(['response']);
  });
});
