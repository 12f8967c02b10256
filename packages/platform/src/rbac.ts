export const roles = ['user', 'admin'] as const;
export type Role = (typeof roles)[number];

/** Who may act: `own` means only on objects the principal owns, `any` on every object. */
type Grant = 'own' | 'any';

/**
 * The platform's whole authorization policy, role x action x ownership, in one place.
 * Both services ask `can()`; neither decides on its own.
 */
export const policy = {
  'user:update': { user: 'own', admin: 'any' },
  'user:delete': { user: 'own', admin: 'any' },
  'user:set-role': { admin: 'any' },
  'user:read-private': { user: 'own', admin: 'any' },
  'audit:read': { admin: 'any' },
  'blog:create': { user: 'own', admin: 'any' },
  'blog:update': { user: 'own', admin: 'any' },
  'blog:delete': { user: 'own', admin: 'any' },
} as const satisfies Record<string, Partial<Record<Role, Grant>>>;

export type Action = keyof typeof policy;

export interface Principal {
  handle: string;
  role: Role;
  sessionId: string;
  tokenId: string;
}

export function sameHandle(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** `owner` is the handle that owns the object acted on: the user itself, or a blog's author. */
export function can(principal: Principal, action: Action, owner: string): boolean {
  const grant = (policy[action] as Partial<Record<Role, Grant>>)[principal.role];
  if (grant === 'any') return true;
  if (grant === 'own') return sameHandle(principal.handle, owner);
  return false;
}
