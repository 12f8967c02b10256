/** A Kubernetes object as parsed from YAML or read from the API. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    creationTimestamp?: string;
  };
  spec?: any;
  status?: any;
  [key: string]: unknown;
}

export type Status = 'PASS' | 'WARN' | 'FAIL';
export type Area = 'workload' | 'network' | 'live';

/** One rule's verdict on one object. */
export interface Finding {
  rule: string;
  area: Area;
  status: Status;
  /** Kind/namespace/name of the object concerned. */
  object: string;
  message: string;
  why: string;
  fix: string;
}

export interface RuleInfo {
  id: string;
  area: Area;
  title: string;
  why: string;
  fix: string;
}

export function objectRef(object: K8sObject, fallbackNamespace?: string): string {
  return `${object.kind}/${object.metadata.namespace ?? fallbackNamespace ?? '-'}/${object.metadata.name}`;
}
