import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { AppsV1Api, BatchV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, NetworkingV1Api } from '@kubernetes/client-node';
import type { K8sObject } from './model.ts';

/** Objects from rendered manifests (`helm template ... | blogctl audit -f -`); List kinds are unpacked. */
export function readManifests(path: string): K8sObject[] {
  return parseManifests(readFileSync(path === '-' ? 0 : path, 'utf8'));
}

/** Objects from the text of YAML manifests, List kinds unpacked. */
export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null && typeof o === 'object' && typeof o.kind === 'string')
    .flatMap((o) => (o.kind.endsWith('List') && Array.isArray((o as any).items) ? ((o as any).items as K8sObject[]) : [o]));
}

export function kubeConfig(options: { kubeconfig?: string; context?: string; inCluster?: boolean }): KubeConfig {
  const config = new KubeConfig();
  if (options.inCluster) config.loadFromCluster();
  else if (options.kubeconfig) config.loadFromFile(options.kubeconfig);
  else config.loadFromDefault();
  if (options.context) config.setCurrentContext(options.context);
  return config;
}

const withKind = (apiVersion: string, kind: string) => (items: any[]) => items.map((item) => ({ ...item, apiVersion, kind }) as K8sObject);

/** Custom resources that may not be installed: a missing CRD is an empty list, not an error. */
async function customObjects(
  api: CustomObjectsApi,
  namespace: string,
  group: string,
  version: string,
  plural: string,
  kind: string,
): Promise<K8sObject[]> {
  try {
    const list = (await api.listNamespacedCustomObject({ group, version, namespace, plural })) as { items: any[] };
    return withKind(`${group}/${version}`, kind)(list.items);
  } catch (error) {
    if ((error as { code?: number }).code === 404) return [];
    throw error;
  }
}

/** Everything the rules look at in one namespace, read-only (get and list only). */
export async function readNamespace(config: KubeConfig, namespace: string): Promise<K8sObject[]> {
  const core = config.makeApiClient(CoreV1Api);
  const apps = config.makeApiClient(AppsV1Api);
  const batch = config.makeApiClient(BatchV1Api);
  const networking = config.makeApiClient(NetworkingV1Api);
  const custom = config.makeApiClient(CustomObjectsApi);
  const [
    ns,
    pods,
    services,
    accounts,
    deployments,
    statefulSets,
    daemonSets,
    jobs,
    cronJobs,
    policies,
    certificates,
    issuers,
    clusters,
    backups,
    scheduledBackups,
  ] = await Promise.all([
    core.readNamespace({ name: namespace }),
    core.listNamespacedPod({ namespace }),
    core.listNamespacedService({ namespace }),
    core.listNamespacedServiceAccount({ namespace }),
    apps.listNamespacedDeployment({ namespace }),
    apps.listNamespacedStatefulSet({ namespace }),
    apps.listNamespacedDaemonSet({ namespace }),
    batch.listNamespacedJob({ namespace }),
    batch.listNamespacedCronJob({ namespace }),
    networking.listNamespacedNetworkPolicy({ namespace }),
    customObjects(custom, namespace, 'cert-manager.io', 'v1', 'certificates', 'Certificate'),
    customObjects(custom, namespace, 'cert-manager.io', 'v1', 'issuers', 'Issuer'),
    customObjects(custom, namespace, 'postgresql.cnpg.io', 'v1', 'clusters', 'Cluster'),
    customObjects(custom, namespace, 'postgresql.cnpg.io', 'v1', 'backups', 'Backup'),
    customObjects(custom, namespace, 'postgresql.cnpg.io', 'v1', 'scheduledbackups', 'ScheduledBackup'),
  ]);
  // Pods owned by a workload are judged through their workload; standalone pods and every pod's live state still count for pods-not-root.
  return [
    { ...(ns as any), apiVersion: 'v1', kind: 'Namespace' },
    ...withKind('v1', 'Pod')(pods.items),
    ...withKind('v1', 'Service')(services.items),
    ...withKind('v1', 'ServiceAccount')(accounts.items),
    ...withKind('apps/v1', 'Deployment')(deployments.items),
    ...withKind('apps/v1', 'StatefulSet')(statefulSets.items),
    ...withKind('apps/v1', 'DaemonSet')(daemonSets.items),
    ...withKind('batch/v1', 'Job')(jobs.items.filter((job: any) => !job.metadata?.ownerReferences?.some((o: any) => o.kind === 'CronJob'))),
    ...withKind('batch/v1', 'CronJob')(cronJobs.items),
    ...withKind('networking.k8s.io/v1', 'NetworkPolicy')(policies.items),
    ...certificates,
    ...issuers,
    ...clusters,
    ...backups,
    ...scheduledBackups,
  ];
}
