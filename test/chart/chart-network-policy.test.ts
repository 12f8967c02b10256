// The NetworkPolicies allow exactly the intended connections: computed from the rendered policies
// and pod labels, compared with the intended matrix, nothing more and nothing less.
import { describe, expect, it } from 'vitest';
import { connectionMatrix, workloadActors, type Actor } from '@blog/blogctl';
import { ciValuesFiles, namespace, render } from './support.ts';

const ports = [
  ...[443, 4318, 5432, 6443, 8000, 8443, 9443, 9464].map((port) => ({ port, protocol: 'TCP' as const })),
  { port: 53, protocol: 'UDP' as const },
  { port: 53, protocol: 'TCP' as const },
];

/** Actors outside the release: as the default values describe them, plus a stranger in another namespace. */
const outsiders: Actor[] = [
  { name: 'ingress-nginx', namespace: 'ingress-nginx', labels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
  { name: 'cluster-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
  { name: 'cnpg-operator', namespace: 'cnpg-system', labels: { 'app.kubernetes.io/name': 'cloudnative-pg' } },
  { name: 'prometheus', namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' } },
  { name: 'jaeger', namespace: 'observability', labels: { 'app.kubernetes.io/name': 'jaeger' } },
  { name: 'api-server', ip: '172.18.0.2' },
  { name: 'stranger-pod', namespace: 'default', labels: { app: 'anything' } },
  { name: 'internet', ip: '93.184.216.34' },
  { name: 'stray-pod-in-namespace', namespace, labels: { app: 'stray' } },
];

const p = 'blog-blog-platform';
const names = {
  user: `${p}-user`,
  blog: `${p}-blog`,
  web: `${p}-web`,
  userDb: `${p}-user-db`,
  blogDb: `${p}-blog-db`,
};

const tcp = (from: string, to: string, port: number) => `${from} -> ${to}:${port}/TCP`;
const dns = (from: string) => [`${from} -> cluster-dns:53/UDP`, `${from} -> cluster-dns:53/TCP`];

/** What the platform needs, and nothing else. */
const intended = [
  tcp('ingress-nginx', names.user, 8443),
  tcp('ingress-nginx', names.blog, 8443),
  tcp('ingress-nginx', names.web, 8443),
  tcp('prometheus', names.user, 9464),
  tcp('prometheus', names.blog, 9464),
  tcp('prometheus', names.web, 9464),
  // The site reaches exactly the two services' public ports (and DNS), as a client of the API.
  tcp(names.web, names.user, 8443),
  tcp(names.web, names.blog, 8443),
  tcp(names.blog, names.user, 9443),
  tcp(names.user, names.blog, 9443),
  ...(['user', 'blog'] as const).flatMap((s) => {
    const db = names[`${s}Db`];
    return [
      tcp(names[s], db, 5432),
      tcp(db, db, 5432),
      tcp(db, db, 8000),
      tcp('cnpg-operator', db, 5432),
      tcp('cnpg-operator', db, 8000),
      tcp(db, 'api-server', 6443),
      tcp(db, 'api-server', 443),
    ];
  }),
  ...[names.user, names.blog, names.web, names.userDb, names.blogDb].flatMap(dns),
].sort();

describe('NetworkPolicy connection matrix', () => {
  it('with the default values equals the intended matrix exactly', () => {
    const objects = render(ciValuesFiles.find((f) => f.includes('default'))!);
    const actors = [...workloadActors(objects, namespace), ...outsiders];
    expect(actors.map((a) => a.name)).toEqual(expect.arrayContaining(Object.values(names)));
    const matrix = connectionMatrix(
      objects.filter((o) => o.kind === 'NetworkPolicy'),
      actors,
      ports,
      namespace,
    )
      .map((c) => `${c.from} -> ${c.to}:${c.port}/${c.protocol}`)
      .sort();
    expect(matrix).toEqual(intended);
  });

  it('with an external database and tracing reaches exactly the database range and the collector', () => {
    const objects = render(ciValuesFiles.find((f) => f.includes('external-database'))!);
    const actors = [...workloadActors(objects, namespace), ...outsiders, { name: 'managed-db', ip: '10.20.0.5' }];
    const matrix = connectionMatrix(
      objects.filter((o) => o.kind === 'NetworkPolicy'),
      actors,
      ports,
      namespace,
    ).map((c) => `${c.from} -> ${c.to}:${c.port}/${c.protocol}`);
    expect(matrix).toEqual(
      expect.arrayContaining([
        tcp(names.user, 'managed-db', 5432),
        tcp(names.blog, 'managed-db', 5432),
        tcp(names.user, 'jaeger', 4318),
        tcp(names.blog, 'jaeger', 4318),
        tcp(names.web, 'jaeger', 4318),
      ]),
    );
    expect(matrix.filter((c) => c.includes('internet') || c.includes('stranger') || c.includes('stray'))).toEqual([]);
    // Only the three services reach the collector.
    expect(matrix.filter((c) => c.includes('-> jaeger')).sort()).toEqual([
      tcp(names.blog, 'jaeger', 4318),
      tcp(names.user, 'jaeger', 4318),
      tcp(names.web, 'jaeger', 4318),
    ]);
  });
});
