import { readFileSync } from 'node:fs';

/**
 * Which service answers which public path: the one routing table of the platform, kept in the
 * chart (charts/blog-platform/files/routes.json), which renders it into the Ingress and the
 * HTTPRoute; the local gateway routes by the same file. The first matching prefix wins.
 */
export type ServiceName = 'user' | 'blog';

const file = new URL('../../../charts/blog-platform/files/routes.json', import.meta.url);
export const publicRoutes: readonly { prefix: string; service: ServiceName }[] = JSON.parse(readFileSync(file, 'utf8')).routes;

export function serviceForPath(path: string): ServiceName | undefined {
  const pathname = path.split('?')[0]!;
  return publicRoutes.find(({ prefix }) => pathname === prefix || pathname.startsWith(`${prefix}/`))?.service;
}
