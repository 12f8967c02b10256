/**
 * Which service answers which public path: the one routing table of the platform. The local
 * gateway routes by it, and a chart test proves the Ingress and HTTPRoute say the same.
 * Order matters: the first matching prefix wins (`/users/blogs` before `/users`).
 */
export const publicRoutes = [
  { prefix: '/users/blogs', service: 'blog' },
  { prefix: '/users', service: 'user' },
  { prefix: '/auth', service: 'user' },
  { prefix: '/.well-known/jwks.json', service: 'user' },
  { prefix: '/blogs', service: 'blog' },
  { prefix: '/audit/users', service: 'user' },
  { prefix: '/audit/blogs', service: 'blog' },
] as const;

export type ServiceName = (typeof publicRoutes)[number]['service'];

export function serviceForPath(path: string): ServiceName | undefined {
  const pathname = path.split('?')[0]!;
  return publicRoutes.find(({ prefix }) => pathname === prefix || pathname.startsWith(`${prefix}/`))?.service;
}
