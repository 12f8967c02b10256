import { describe, expect, it } from 'vitest';
import { can, policy, type Action, type Principal } from '../src/rbac.ts';

const user: Principal = { handle: '@ada', role: 'user', sessionId: 's', tokenId: 't' };
const admin: Principal = { ...user, handle: '@root', role: 'admin' };

describe('the RBAC policy', () => {
  const actions = Object.keys(policy) as Action[];
  it.each(actions)('%s: admins may act on anyone', (action) => {
    expect(can(admin, action, '@someone')).toBe(true);
  });
  it.each(actions.filter((a) => a !== 'user:set-role'))('%s: users may act on their own, case-insensitively, and on nobody else', (action) => {
    expect(can(user, action, '@ada')).toBe(true);
    expect(can(user, action, '@ADA')).toBe(true);
    expect(can(user, action, '@bob')).toBe(false);
  });
  it('users may not change roles, not even their own', () => {
    expect(can(user, 'user:set-role', '@ada')).toBe(false);
  });
  it('a role outside the policy may do nothing', () => {
    expect(can({ ...user, role: 'guest' as never }, 'blog:create', '@ada')).toBe(false);
  });
});
