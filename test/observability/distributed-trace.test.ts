// One request through the local gateway that crosses both services and both databases yields one
// trace, exported over OTLP/HTTP to a receiver run here, with the expected parent/child tree.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiClient,
  type ExportedSpan,
  type LocalPlatform,
  lookupAlways,
  type OtlpReceiver,
  startLocalPlatform,
  startOtlpReceiver,
} from '@blog/test-support';

let receiver: OtlpReceiver;
let stateDir: string;
let local: LocalPlatform;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  stateDir = await mkdtemp(join(tmpdir(), 'blog-trace-'));
  local = await startLocalPlatform(stateDir, { SEED: 'demo', REPLICAS: '1', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint });
});
afterAll(async () => {
  await local?.stop();
  await receiver?.close();
  await rm(stateDir, { recursive: true, force: true });
});

describe('distributed tracing', () => {
  it('exports one trace: gateway -> blog service -> user service, with the database queries under each', async () => {
    // The test is the caller: its traceparent names the trace and the gateway span's parent.
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const response = await local.api.get('/users/blogs?user_name=lovelace', {
      headers: { traceparent: `00-${traceId}-${callerSpanId}-01` },
    });
    expect(response.status).toBe(200);
    expect(response.body.results.length).toBeGreaterThan(0);

    const deadline = Date.now() + 15_000;
    let tree: ExportedSpan[] = [];
    while (Date.now() < deadline) {
      tree = receiver.spans.filter((s) => s.traceId === traceId);
      // Each process exports in its own batches: wait until every part of the tree has arrived.
      const has = (service: string, match: (s: ExportedSpan) => boolean) => tree.some((s) => s.service === service && match(s));
      const complete =
        has('gateway', (s) => s.parentSpanId === callerSpanId) &&
        has('blog-service', (s) => s.kind === 2) &&
        has('blog-service', (s) => s.kind === 3 && s.name === 'GET /internal/users') &&
        has('user-service', (s) => s.kind === 2) &&
        has('user-service', (s) => s.name.startsWith('prisma:')) &&
        has('blog-service', (s) => s.name.startsWith('prisma:'));
      if (complete) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const byId = new Map(tree.map((s) => [s.spanId, s]));
    const parentOf = (span: ExportedSpan) => byId.get(span.parentSpanId);
    const ancestors = (span: ExportedSpan) => {
      const chain: ExportedSpan[] = [];
      for (let p = parentOf(span); p; p = parentOf(p)) chain.push(p);
      return chain;
    };

    const gateway = tree.find((s) => s.service === 'gateway' && s.parentSpanId === callerSpanId)!;
    expect(gateway, JSON.stringify(receiver.spans.slice(0, 20))).toBeDefined();
    const blogServer = tree.find((s) => s.service === 'blog-service' && s.kind === 2)!;
    expect(blogServer, 'blog service server span').toBeDefined();
    expect(ancestors(blogServer)).toContain(gateway);
    const client = tree.find((s) => s.service === 'blog-service' && s.kind === 3 && s.name === 'GET /internal/users')!;
    expect(client, 'client span of the call to the user service').toBeDefined();
    expect(ancestors(client)).toContain(blogServer);
    const userServer = tree.find((s) => s.service === 'user-service' && s.kind === 2)!;
    expect(userServer, 'user service server span').toBeDefined();
    expect(parentOf(userServer)).toBe(client);
    const userQuery = tree.find((s) => s.service === 'user-service' && s.name.startsWith('prisma:'))!;
    expect(ancestors(userQuery)).toContain(userServer);
    const blogQuery = tree.find((s) => s.service === 'blog-service' && s.name.startsWith('prisma:'))!;
    expect(ancestors(blogQuery)).toContain(blogServer);
    expect(new Set(tree.map((s) => s.traceId)).size).toBe(1);
    console.log(`one trace of ${tree.length} spans: ${[...new Set(tree.map((s) => `${s.service}:${s.name}`))].join(', ')}`);
  });

  it('continues a page of the site into the API: gateway -> web service -> blog service -> user service; the site counts it', async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const site = new ApiClient(() => local.siteUrl, local.ca, { lookup: lookupAlways('127.0.0.1') });
    const page = await site.get('/search?q=lovelace&in=name', { headers: { traceparent: `00-${traceId}-${callerSpanId}-01` } });
    expect(page.status).toBe(200);
    expect(page.text).toContain('found</h2>');

    const deadline = Date.now() + 15_000;
    let tree: ExportedSpan[] = [];
    while (Date.now() < deadline) {
      tree = receiver.spans.filter((s) => s.traceId === traceId);
      if (tree.some((s) => s.service === 'user-service' && s.kind === 2) && tree.some((s) => s.service === 'web-service' && s.kind === 3))
        break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const byId = new Map(tree.map((s) => [s.spanId, s]));
    const webServer = tree.find((s) => s.service === 'web-service' && s.kind === 2)!;
    expect(webServer, JSON.stringify(tree.map((s) => `${s.service} ${s.kind} ${s.name}`))).toBeDefined();
    expect(byId.get(webServer.parentSpanId)?.service).toBe('gateway');
    const webClient = tree.find((s) => s.service === 'web-service' && s.kind === 3 && s.name === 'GET /users/blogs')!;
    expect(webClient, 'client span of the call to the API').toBeDefined();
    const blogServer = tree.find((s) => s.service === 'blog-service' && s.kind === 2)!;
    expect(byId.get(blogServer.parentSpanId)).toBe(webClient);
    expect(tree.some((s) => s.service === 'user-service' && s.kind === 2)).toBe(true);

    const web = (await local.status()).replicas.find((r) => r.service === 'web')!;
    const metrics = await fetch(`http://127.0.0.1:${web.metricsPort}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/http_requests_total\{[^}]*route="\/search"[^}]*\} [1-9]/);
    await site.close();
  });
});
