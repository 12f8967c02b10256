import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent, request } from 'undici';

const demoUsers = [
  {
    handle: '@ada',
    name: 'Ada Lovelace',
    blogs: [
      ['Notes on the Analytical Engine', 'The engine weaves algebraic patterns as the loom weaves flowers.'],
      ['On Bernoulli numbers', 'A program, before there were computers.'],
    ],
  },
  {
    handle: '@grace',
    name: 'Grace Hopper',
    blogs: [
      ['The first bug', 'A moth, taped into the log book.'],
      ['Why compilers', 'People should write in words, not in octal.'],
    ],
  },
  { handle: '@alan', name: 'Alan Turing', blogs: [['Computable numbers', 'What a machine can and cannot decide.']] },
] as const;

/** Loads the demo users and blogs through the public API (idempotent: existing users are left alone). */
export async function seedDemo(baseUrl: string, ca: Buffer, secretsDir: string): Promise<string> {
  const agent = new Agent({ connect: { ca } });
  const call = async (method: string, path: string, body: unknown, token?: string) => {
    const response = await request(`${baseUrl}${path}`, {
      method: method as 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
  };
  const credentials: Record<string, string> = {};
  try {
    for (const user of demoUsers) {
      const password = `demo-${randomBytes(9).toString('base64url')}`;
      const created = await call('POST', '/users', { handle: user.handle, name: user.name, password });
      if (created.status === 409) continue;
      if (created.status !== 201) throw new Error(`seeding ${user.handle} failed: ${created.status} ${JSON.stringify(created.body)}`);
      credentials[user.handle] = password;
      const token = (await call('POST', '/auth', { username: user.handle, password })).body.access_token as string;
      for (const [title, content] of user.blogs) await call('POST', '/blogs', { title, content }, token);
    }
  } finally {
    await agent.close();
  }
  const file = join(secretsDir, 'demo-users.json');
  if (Object.keys(credentials).length > 0) await writeFile(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  return file;
}
