// Property-based fuzzing driven by the OpenAPI documents: whatever is sent, no 5xx, every error is
// JSON with `msg`, and a refused request changes no user and no blog.
import fc from 'fast-check';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type TestPlatform } from '@blog/test-support';

interface Operation {
  method: string;
  path: string;
  params: { name: string; in: 'path' | 'query'; schema: Record<string, unknown> }[];
  body?: { properties?: Record<string, unknown> };
}

let platform: TestPlatform;
let operations: Operation[] = [];
let userToken: string;

beforeAll(async () => {
  platform = await startPlatform();
  userToken = (await platform.signUp('@fuzzer', 'Fuzzer')).token;
  await platform.api.post('/blogs', { title: 'Fuzz target', content: 'x' }, { token: userToken });
  for (const base of [platform.urls.userPublic, platform.urls.blogPublic]) {
    const doc = (await (await request(`${base}/docs/json`, { dispatcher: platform.api.agent })).body.json()) as {
      paths: Record<string, Record<string, any>>;
    };
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        operations.push({
          method: method.toUpperCase(),
          path,
          params: operation.parameters ?? [],
          body: operation.requestBody?.content?.['application/json']?.schema,
        });
      }
    }
  }
  operations = operations.filter((op) => !op.path.startsWith('/docs'));
});
afterAll(() => platform?.close());

async function dataDigest(): Promise<string> {
  const users = await platform.userDb.query("SELECT md5(coalesce(string_agg(u::text, '|' ORDER BY handle), '')) AS d FROM users u");
  const blogs = await platform.blogDb.query("SELECT md5(coalesce(string_agg(b::text, '|' ORDER BY slug), '')) AS d FROM blogs b");
  return `${users.rows[0].d}/${blogs.rows[0].d}`;
}

const nasty = fc.constantFrom(
  '',
  ' ',
  '%',
  '_',
  '\\',
  "'",
  '"',
  '\u0000',
  '\ud800',
  '../..',
  '@',
  '@@',
  '%00',
  '🚀',
  'a'.repeat(300),
  '<script>',
  '$' + '{x}',
  'null',
  '-1',
  '1e309',
);
const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), nasty);
const handleLike = fc.oneof(
  fc.stringMatching(/^@[A-Za-z0-9_]{1,31}$/).filter((h) => !['@fuzzer', '@admin'].includes(h.toLowerCase())),
  text,
);
const json = fc.jsonValue({ maxDepth: 3 });
const token = fc.constantFrom<string | undefined>(undefined, 'garbage', 'e30.e30.e30');

/** A value for a declared property: usually of a plausible kind, sometimes anything at all. */
const propertyValue = fc.oneof(text, json, fc.integer(), fc.boolean(), fc.constant(null));

function bodyFor(op: Operation): fc.Arbitrary<string | undefined> {
  if (!op.body)
    return fc.oneof(
      fc.constant(undefined),
      json.map((v) => JSON.stringify(v)),
    );
  const names = Object.keys(op.body.properties ?? {});
  const shaped = fc
    .record({
      known: fc.dictionary(fc.constantFrom(...(names.length ? names : ['x'])), propertyValue),
      extra: fc.dictionary(fc.string({ maxLength: 8 }), json, { maxKeys: 2 }),
    })
    .map(({ known, extra }) => JSON.stringify({ ...extra, ...known }));
  return fc.oneof(
    { weight: 4, arbitrary: shaped },
    { weight: 1, arbitrary: json.map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
  );
}

function urlFor(op: Operation): fc.Arbitrary<string> {
  const pathParams = op.params.filter((p) => p.in === 'path');
  const queryNames = op.params.filter((p) => p.in === 'query').map((p) => p.name);
  return fc
    .record({
      path: fc.tuple(...pathParams.map(() => fc.oneof(handleLike, text))),
      query: fc.array(
        fc.tuple(
          fc.oneof(fc.constantFrom(...(queryNames.length ? queryNames : ['q'])), fc.string({ maxLength: 6 })),
          fc.oneof(text, fc.integer().map(String)),
        ),
        { maxLength: 3 },
      ),
    })
    .map(({ path, query }) => {
      let i = 0;
      const filled = op.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(path[i++] ?? ''));
      const qs = query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
      return qs ? `${filled}?${qs}` : filled;
    });
}

describe('fuzzing every documented operation', () => {
  it('finds the operations of both services in their OpenAPI documents', () => {
    expect(operations.length).toBeGreaterThanOrEqual(17);
  });

  it('never answers 5xx, always answers errors as JSON with msg, and refused requests change nothing', async () => {
    let sent = 0;
    for (const op of operations) {
      await fc.assert(
        fc.asyncProperty(
          urlFor(op),
          bodyFor(op),
          fc.oneof(token, fc.constant(userToken)),
          fc.boolean(),
          async (url, body, bearer, sendJson) => {
            const before = await dataDigest();
            const response = await platform.api.send(op.method, url, {
              rawBody: body,
              token: bearer,
              headers: body === undefined ? {} : { 'content-type': sendJson ? 'application/json' : 'text/plain' },
            });
            sent++;
            const where = `${op.method} ${url} ${body?.slice(0, 200) ?? ''} -> ${response.status} ${response.text.slice(0, 200)}`;
            expect(response.status, where).toBeLessThan(500);
            if (response.status >= 400) {
              expect(response.headers['content-type'], where).toMatch(/^application\/json/);
              expect(typeof response.body?.msg, where).toBe('string');
              expect(await dataDigest(), where).toBe(before);
            }
          },
        ),
        { numRuns: 40, seed: 20261124, endOnFailure: true },
      );
    }
    console.log(`${sent} generated requests over ${operations.length} operations`);
  });
});
