import type { K8sObject } from './model.ts';

export interface PodTemplate {
  owner: K8sObject;
  spec: any;
  labels: Record<string, string>;
  namespace: string | undefined;
  /** Workloads expected to run continuously (they need liveness and readiness probes). */
  longRunning: boolean;
}

/** The pod templates of every workload among `objects` (and bare pods). */
export function podTemplates(objects: K8sObject[]): PodTemplate[] {
  const templates: PodTemplate[] = [];
  for (const object of objects) {
    const ns = object.metadata.namespace;
    switch (object.kind) {
      case 'Deployment':
      case 'StatefulSet':
      case 'DaemonSet':
      case 'ReplicaSet':
        templates.push({
          owner: object,
          spec: object.spec?.template?.spec ?? {},
          labels: object.spec?.template?.metadata?.labels ?? {},
          namespace: ns,
          longRunning: true,
        });
        break;
      case 'Job':
        templates.push({
          owner: object,
          spec: object.spec?.template?.spec ?? {},
          labels: object.spec?.template?.metadata?.labels ?? {},
          namespace: ns,
          longRunning: false,
        });
        break;
      case 'CronJob':
        templates.push({
          owner: object,
          spec: object.spec?.jobTemplate?.spec?.template?.spec ?? {},
          labels: object.spec?.jobTemplate?.spec?.template?.metadata?.labels ?? {},
          namespace: ns,
          longRunning: false,
        });
        break;
      case 'Pod':
        // A pod some controller owns is judged through its owner (or by the live rules).
        if (object.metadata && (object.metadata as any).ownerReferences?.length) break;
        templates.push({
          owner: object,
          spec: object.spec ?? {},
          labels: object.metadata.labels ?? {},
          namespace: ns,
          longRunning: !object.metadata.labels?.['job-name'],
        });
        break;
    }
  }
  return templates;
}

export function containersOf(spec: any): { container: any; init: boolean }[] {
  return [
    ...(spec.initContainers ?? []).map((container: any) => ({ container, init: true })),
    ...(spec.containers ?? []).map((container: any) => ({ container, init: false })),
  ];
}
