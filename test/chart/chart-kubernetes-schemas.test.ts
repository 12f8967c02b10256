// Every rendered object is valid against its published schema (kubernetes-models, cert-manager,
// Gateway API, CloudNativePG), and carries no field its TypeScript type does not know. The Barman
// Cloud plugin's ObjectStore has no published types: the e2e harness has the API server validate
// it strictly against the plugin's own CRD (k8s/e2e/test/7b-backup-recovery.test.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import type { K8sObject } from '@blog/blogctl';
import { ciValuesFiles, render, valuesName } from './support.ts';

const modules: Record<string, string> = {
  v1: 'kubernetes-models/v1',
  'apps/v1': 'kubernetes-models/apps/v1',
  'batch/v1': 'kubernetes-models/batch/v1',
  'policy/v1': 'kubernetes-models/policy/v1',
  'autoscaling/v2': 'kubernetes-models/autoscaling/v2',
  'networking.k8s.io/v1': 'kubernetes-models/networking.k8s.io/v1',
  'rbac.authorization.k8s.io/v1': 'kubernetes-models/rbac.authorization.k8s.io/v1',
  'cert-manager.io/v1': '@kubernetes-models/cert-manager/cert-manager.io/v1',
  'gateway.networking.k8s.io/v1': '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1',
  'postgresql.cnpg.io/v1': '@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1',
  'monitoring.coreos.com/v1': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1',
};

/** API groups with no published schema package, and where they are validated instead. */
const validatedElsewhere = new Set(['barmancloud.cnpg.io/v1']);

const moduleOf = (object: K8sObject) => {
  const base = modules[object.apiVersion];
  if (!base) throw new Error(`no published types for ${object.apiVersion} ${object.kind}`);
  return `${base}/${object.kind}`;
};

const outDir = join(import.meta.dirname, '.rendered');

/** Writes the objects as typed constants and returns the compiler's complaints (unknown or mistyped fields). */
function typeErrors(objects: K8sObject[], name: string): string[] {
  mkdirSync(outDir, { recursive: true });
  const lines = objects.flatMap((object, i) => [
    `import type { I${object.kind} as T${i} } from ${JSON.stringify(moduleOf(object))};`,
    `export const o${i}: T${i} = ${JSON.stringify(object)};`,
  ]);
  const file = join(outDir, `${name.replace(/\W/g, '_')}.ts`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: [],
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
    const line = d.file ? d.file.text.split('\n')[where - 1]?.slice(0, 120) : '';
    return `${ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n').slice(-1)[0]} (${line})`;
  });
}

describe.each(ciValuesFiles.map((file) => ({ file, name: valuesName(file) })))('objects rendered with $name', ({ file, name }) => {
  const objects = render(file).filter((object) => !validatedElsewhere.has(object.apiVersion));

  it('validate against their JSON schemas', async () => {
    for (const object of objects) {
      const module = await import(moduleOf(object));
      const Model = module[object.kind];
      expect(() => new Model(object).validate(), `${object.kind}/${object.metadata.name}`).not.toThrow();
    }
  });

  it('type-check against their TypeScript types, so an unknown field is an error', () => {
    expect(typeErrors(objects, name)).toEqual([]);
  }, 60_000);
});

describe('the checks themselves', () => {
  it('catch an unknown field and a mistyped one', () => {
    const [deployment] = render(ciValuesFiles[0]!).filter((o) => o.kind === 'Deployment');
    const broken = structuredClone(deployment!);
    broken.spec.template.spec.containers[0].imagePullPolize = 'Always';
    broken.spec.replicas = 'two';
    const errors = typeErrors([broken], 'broken');
    expect(errors.join('\n')).toMatch(/imagePullPolize/);
    expect(errors.join('\n')).toMatch(/string.*number|number/);
  }, 60_000);
});
