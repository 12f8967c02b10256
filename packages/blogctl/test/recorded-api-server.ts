import { createServer, type Server } from 'node:https';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificateAuthority, issueLeaf } from '@blog/devstack';
import type { K8sObject } from '../src/model.ts';

/** Where each kind is listed in the Kubernetes API, as client-node requests it. */
const collections: Record<string, { path: (ns: string) => string; apiVersion: string }> = {
  Pod: { path: (ns) => `/api/v1/namespaces/${ns}/pods`, apiVersion: 'v1' },
  Service: { path: (ns) => `/api/v1/namespaces/${ns}/services`, apiVersion: 'v1' },
  ServiceAccount: { path: (ns) => `/api/v1/namespaces/${ns}/serviceaccounts`, apiVersion: 'v1' },
  Deployment: { path: (ns) => `/apis/apps/v1/namespaces/${ns}/deployments`, apiVersion: 'apps/v1' },
  StatefulSet: { path: (ns) => `/apis/apps/v1/namespaces/${ns}/statefulsets`, apiVersion: 'apps/v1' },
  DaemonSet: { path: (ns) => `/apis/apps/v1/namespaces/${ns}/daemonsets`, apiVersion: 'apps/v1' },
  Job: { path: (ns) => `/apis/batch/v1/namespaces/${ns}/jobs`, apiVersion: 'batch/v1' },
  CronJob: { path: (ns) => `/apis/batch/v1/namespaces/${ns}/cronjobs`, apiVersion: 'batch/v1' },
  NetworkPolicy: { path: (ns) => `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies`, apiVersion: 'networking.k8s.io/v1' },
  Certificate: { path: (ns) => `/apis/cert-manager.io/v1/namespaces/${ns}/certificates`, apiVersion: 'cert-manager.io/v1' },
  Issuer: { path: (ns) => `/apis/cert-manager.io/v1/namespaces/${ns}/issuers`, apiVersion: 'cert-manager.io/v1' },
  Cluster: { path: (ns) => `/apis/postgresql.cnpg.io/v1/namespaces/${ns}/clusters`, apiVersion: 'postgresql.cnpg.io/v1' },
  Backup: { path: (ns) => `/apis/postgresql.cnpg.io/v1/namespaces/${ns}/backups`, apiVersion: 'postgresql.cnpg.io/v1' },
  ScheduledBackup: { path: (ns) => `/apis/postgresql.cnpg.io/v1/namespaces/${ns}/scheduledbackups`, apiVersion: 'postgresql.cnpg.io/v1' },
};

export interface RecordedApi {
  kubeconfig: string;
  requests: string[];
  close(): Promise<void>;
}

/**
 * An HTTPS server that answers like the Kubernetes API with the objects given (lists in the API's
 * JSON shapes, a Status for anything else), and a kubeconfig pointing at it with its CA.
 */
export async function startRecordedApi(namespace: string, objects: K8sObject[]): Promise<RecordedApi> {
  const ca = await createCertificateAuthority('recorded api');
  const leaf = await issueLeaf(ca, { commonName: 'kube-apiserver', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  const requests: string[] = [];
  const routes = new Map<string, unknown>();
  const ns = objects.find((o) => o.kind === 'Namespace');
  if (ns) routes.set(`/api/v1/namespaces/${namespace}`, ns);
  for (const [kind, { path, apiVersion }] of Object.entries(collections)) {
    routes.set(path(namespace), {
      apiVersion,
      kind: `${kind}List`,
      metadata: { resourceVersion: '4242' },
      items: objects
        .filter((o) => o.kind === kind)
        .map((o) => ({ ...o, metadata: { namespace, uid: `uid-${o.metadata.name}`, ...o.metadata } })),
    });
  }
  const server: Server = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (request, response) => {
    const path = (request.url ?? '/').split('?')[0]!;
    requests.push(`${request.method} ${path}`);
    const body = request.method === 'GET' ? routes.get(path) : undefined;
    if (request.headers.authorization !== 'Bearer recorded-token') {
      response
        .writeHead(401, { 'content-type': 'application/json' })
        .end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Unauthorized', code: 401 }));
    } else if (body === undefined) {
      response.writeHead(404, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          reason: 'NotFound',
          message: `${path} not found`,
          code: 404,
        }),
      );
    } else {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const dir = mkdtempSync(join(tmpdir(), 'blogctl-kubeconfig-'));
  const kubeconfig = join(dir, 'config');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'recorded',
          cluster: { server: `https://127.0.0.1:${port}`, 'certificate-authority-data': Buffer.from(ca.trustPem).toString('base64') },
        },
      ],
      users: [{ name: 'auditor', user: { token: 'recorded-token' } }],
      contexts: [{ name: 'recorded', context: { cluster: 'recorded', user: 'auditor', namespace } }],
      'current-context': 'recorded',
    }),
    { mode: 0o600 },
  );
  return { kubeconfig, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
