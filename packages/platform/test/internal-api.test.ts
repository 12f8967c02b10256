// The typed client of the internal API: paths and queries built from the contract, answers
// checked against it, and only the statuses a route lists taken as results.
import { describe, expect, it } from 'vitest';
import { blogServiceApi, InternalClient, PeerError, userServiceApi, type PeerClient, type PeerResponse } from '../src/index.ts';

/** Stands in for the other service: records what was asked, answers what the test says. */
function peerAnswering(answer: PeerResponse<unknown>) {
  const calls: { method: string; path: string; name?: string }[] = [];
  const peer = {
    call: async (method: string, path: string, options: { name?: string } = {}) => {
      calls.push({ method, path, name: options.name });
      return answer;
    },
  };
  return { peer: peer as unknown as PeerClient, calls };
}

describe('internal API client', () => {
  it('builds the path and the query from the contract, encoding values', async () => {
    const { peer, calls } = peerAnswering({ status: 200, body: { handles: ['@ada'] } });
    expect(await new InternalClient(peer, userServiceApi).call('handlesByName', { query: { name_contains: 'a&b c' } })).toEqual({
      handles: ['@ada'],
    });
    const user = peerAnswering({ status: 200, body: { handle: '@a_b', name: 'A', role: 'user' } });
    await new InternalClient(user.peer, userServiceApi).call('findUser', { params: { handle: '@a_b' } });
    const blog = peerAnswering({ status: 200, body: { deleted: 2 } });
    await new InternalClient(blog.peer, blogServiceApi).call('deleteAuthorBlogs', { params: { handle: '@ada' } });
    expect([...calls, ...user.calls, ...blog.calls]).toEqual([
      { method: 'GET', path: '/internal/users?name_contains=a%26b+c', name: '/internal/users' },
      { method: 'GET', path: '/internal/users/%40a_b', name: '/internal/users/:handle' },
      { method: 'DELETE', path: '/internal/authors/%40ada/blogs', name: '/internal/authors/:handle/blogs' },
    ]);
  });

  it('refuses an answer that breaks the contract', async () => {
    for (const body of [
      { handle: '@ada', name: 'Ada' },
      { handle: 'ada', name: 'Ada', role: 'user' },
      { handle: '@ada', name: 'Ada', role: 'root' },
      'not an object',
      undefined,
    ]) {
      const { peer } = peerAnswering({ status: 200, body });
      await expect(
        new InternalClient(peer, userServiceApi).call('findUser', { params: { handle: '@ada' } }),
        JSON.stringify(body),
      ).rejects.toThrow(PeerError);
    }
    const { peer } = peerAnswering({ status: 200, body: { revoked_sessions: ['not-a-uuid'] } });
    await expect(new InternalClient(peer, userServiceApi).call('revocations')).rejects.toThrow(/does not match the contract/);
  });

  it('takes a listed status as a result and any other as a failure', async () => {
    expect(
      await new InternalClient(peerAnswering({ status: 404, body: { msg: 'no' } }).peer, userServiceApi).call('findUser', {
        params: { handle: '@ghost' },
      }),
    ).toBeUndefined();
    await expect(
      new InternalClient(peerAnswering({ status: 404, body: { msg: 'no' } }).peer, blogServiceApi).call('deleteAuthorBlogs', {
        params: { handle: '@a' },
      }),
    ).rejects.toThrow(/answered 404/);
    await expect(
      new InternalClient(peerAnswering({ status: 500, body: { msg: 'boom' } }).peer, userServiceApi).call('jwks'),
    ).rejects.toThrow(PeerError);
  });
});
