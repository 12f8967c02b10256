import { describe, expect, it } from 'vitest';
import { can, policy, type Action, type Principal } from '../src/rbac.ts';

const user: Principal = { handle: '@ada', role: 'user', sessionId: 's', tokenId: 't' };
const admin: Principal = { ...user, handle: '@root', role: 'admin' };

describe('the RBAC policy', () => {
  const actions = Object.keys(policy) as Action[];
  it.each(actions)('%s: admins may act on anyone', (action) => {
    expect(can(admin, action, '@someone')).toBe(true);
  });
  const ownActions = actions.filter((a) => (policy[a] as { user?: string }).user === 'own');
  const adminOnly = actions.filter((a) => !('user' in policy[a]));
  it('grants users only own-object actions, and keeps the rest for admins', () => {
    expect(ownActions.sort()).toEqual(['blog:create', 'blog:delete', 'blog:update', 'user:delete', 'user:read-private', 'user:update']);
    expect(adminOnly.sort()).toEqual(['audit:read', 'user:set-role']);
  });
  it.each(adminOnly)('%s: users may not, not even on themselves', (action) => {
    expect(can(user, action, '@ada')).toBe(false);
  });
  it.each(ownActions)('%s: users may act on their own, case-insensitively, and on nobody else', (action) => {
    expect(can(user, action, '@ada')).toBe(true);
    expect(can(user, action, '@ADA')).toBe(true);
    expect(can(user, action, '@bob')).toBe(false);
  });
  it('a role outside the policy may do nothing', () => {
    expect(can({ ...user, role: 'guest' as never }, 'blog:create', '@ada')).toBe(false);
  });
});
