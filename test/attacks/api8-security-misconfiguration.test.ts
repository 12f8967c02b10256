// OWASP API8:2023 Security Misconfiguration: headers, CORS, TLS versions, and errors that reveal nothing.
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type TestPlatform } from '@blog/test-support';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startPlatform();
});
afterAll(() => platform?.close());

describe('API8 security misconfiguration', () => {
  it('sends the headers of a hardened JSON API, and nothing that names the stack', async () => {
    for (const path of ['/users', '/blogs', '/users/@nobody', '/blogs/no/such/route']) {
      const { headers } = await platform.api.get(path);
      expect(headers['content-security-policy'], path).toBe("default-src 'none';frame-ancestors 'none'");
      expect(headers['x-content-type-options']).toBe('nosniff');
      expect(headers['x-frame-options']).toBe('DENY');
      expect(headers['cross-origin-resource-policy']).toBe('same-origin');
      expect(headers['cache-control']).toBe('no-store');
      expect(headers['x-powered-by']).toBeUndefined();
      expect(headers.server).toBeUndefined();
      expect(headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('gives browsers no CORS permission unless origins are configured', async () => {
    const preflight = await platform.api.send('OPTIONS', '/blogs', {
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const simple = await platform.api.get('/blogs', { headers: { origin: 'https://evil.example' } });
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses TLS 1.1 and older', async () => {
    const port = Number(new URL(platform.urls.userPublic).port);
    const outcome = await new Promise<string>((resolve) => {
      const socket = connect({
        host: '127.0.0.1',
        port,
        ca: platform.ca.trustPem,
        servername: 'localhost',
        minVersion: 'TLSv1',
        maxVersion: 'TLSv1.1',
      });
      socket.on('secureConnect', () => resolve(`connected with ${socket.getProtocol()}`));
      socket.on('error', (error) => resolve(`refused: ${error.message}`));
    });
    expect(outcome).toMatch(/^refused/);
  });

  it('answers a server fault with a bare message and a request id, never a stack trace or SQL', async () => {
    platform.expectErrorLogs = true;
    await platform.userDb.query('REVOKE SELECT ON users FROM user_app');
    try {
      const response = await platform.api.get('/users');
      expect(response.status).toBe(500);
      expect(response.body).toEqual({ msg: 'Internal server error', request_id: expect.any(String) });
      expect(response.text).not.toMatch(/permission|denied|prisma|users|at .*:\d+/i);
      // The request id leads an operator to the full error in the log.
      expect(platform.logs.some((line) => line.request_id === response.body.request_id && line.level === 'error')).toBe(true);
    } finally {
      await platform.userDb.query('GRANT SELECT ON users TO user_app');
    }
  });
});
