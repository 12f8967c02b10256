// The internal routes listen on their own port and admit only peers with a certificate from the platform CA naming an allowed service.
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { createCertificateAuthority, issueLeaf } from '@blog/devstack';
import { PeerClient } from '@blog/platform';
import { startPlatform, type TestPlatform } from '@blog/test-support';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startPlatform();
  await platform.signUp('@ada', 'Ada Lovelace');
});
afterAll(() => platform?.close());

async function callAs(commonName: string, baseUrl: string, path: string) {
  const client = new PeerClient({ baseUrl, tls: await platform.clientTls(commonName), retries: 0 });
  try {
    return await client.call<{ msg?: string }>('GET', path);
  } finally {
    await client.close();
  }
}

describe('internal routes over mutual TLS', () => {
  it('the blog service may ask the user service about users', async () => {
    const response = await callAs('blog', platform.urls.userInternal, '/internal/users/%40ada');
    expect(response).toMatchObject({ status: 200, body: { handle: '@ada', name: 'Ada Lovelace', role: 'user' } });
  });

  it('the blog service may ask whether a session is open: a signed-in one is, a signed-out or unknown one is not, a malformed id is a 400', async () => {
    const { token } = await platform.signUp(`@sess${Date.now() % 100_000}`);
    const sessionId = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sid as string;
    const ask = (id: string) => callAs('blog', platform.urls.userInternal, `/internal/sessions/${id}`);
    expect(await ask(sessionId)).toMatchObject({ status: 200, body: { active: true } });
    expect((await platform.api.post('/auth/logout', {}, { token })).status).toBe(200);
    expect(await ask(sessionId)).toMatchObject({ status: 200, body: { active: false } });
    expect(await ask('00000000-0000-4000-8000-000000000000')).toMatchObject({ status: 200, body: { active: false } });
    expect(await ask('not-a-session')).toMatchObject({ status: 400 });
  });

  it('a certificate from the platform CA naming another service is refused with 403', async () => {
    expect(await callAs('intruder', platform.urls.userInternal, '/internal/users/%40ada')).toMatchObject({ status: 403 });
    // The user service may call the blog service, not itself.
    expect(await callAs('user', platform.urls.userInternal, '/internal/revocations')).toMatchObject({ status: 403 });
    expect(await callAs('blog', platform.urls.blogInternal, '/internal/authors/%40ada/blogs')).toMatchObject({ status: 403 });
  });

  it('a caller without a client certificate does not get past the TLS handshake', async () => {
    const agent = new Agent({ connect: { ca: platform.ca.trustPem } });
    await expect(request(`${platform.urls.userInternal}/internal/users/%40ada`, { dispatcher: agent })).rejects.toThrow();
    await agent.close();
  });

  it('a client certificate from another CA does not get past the TLS handshake', async () => {
    const stranger = await createCertificateAuthority('stranger');
    const leaf = await issueLeaf(stranger, { commonName: 'blog' });
    const outcome = await new Promise<string>((resolve) => {
      const socket = connect({
        host: '127.0.0.1',
        port: Number(new URL(platform.urls.userInternal).port),
        ca: platform.ca.trustPem,
        cert: leaf.certPem,
        key: leaf.keyPem,
        servername: 'localhost',
      });
      socket.on('secureConnect', () => socket.write('GET /internal/users/%40ada HTTP/1.1\r\nhost: x\r\n\r\n'));
      socket.on('data', (data) => resolve(`answered: ${String(data).split('\r\n')[0]}`));
      socket.on('error', (error) => resolve(`refused: ${error.message}`));
      socket.on('close', () => resolve('closed'));
    });
    expect(outcome).not.toMatch(/^answered/);
  });

  it('internal routes are not served on the public port', async () => {
    for (const path of ['/internal/users/%40ada', '/internal/revocations', '/internal/sessions/00000000-0000-4000-8000-000000000000']) {
      const direct = await request(`${platform.urls.userPublic}${path}`, { dispatcher: platform.api.agent });
      expect(direct.statusCode).toBe(404);
      await direct.body.text();
    }
    const blogDirect = await request(`${platform.urls.blogPublic}/internal/authors/%40ada/blogs`, {
      method: 'DELETE',
      dispatcher: platform.api.agent,
    });
    expect(blogDirect.statusCode).toBe(404);
    await blogDirect.body.text();
  });
});
