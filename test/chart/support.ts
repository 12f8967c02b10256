import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { K8sObject } from '@blog/blogctl';
// @ts-expect-error: a plain ESM script without types
import { helmPath } from '../../scripts/helm.mjs';

export const chartDir = resolve(import.meta.dirname, '../../charts/blog-platform');
export const namespace = 'blog';
export const release = 'blog';
export const helmVersions = [3, 4] as const;

export const ciValuesFiles = readdirSync(join(chartDir, 'ci'))
  .filter((f) => f.endsWith('-values.yaml'))
  .map((f) => join(chartDir, 'ci', f));

export function helm(major: 3 | 4, args: string[]): string {
  return execFileSync(helmPath(major) as string, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function renderText(valuesFile: string, major: 3 | 4 = 4, extra: string[] = []): string {
  return helm(major, ['template', release, chartDir, '--namespace', namespace, '-f', valuesFile, ...extra]);
}

export function render(valuesFile: string, major: 3 | 4 = 4, extra: string[] = []): K8sObject[] {
  return parseAllDocuments(renderText(valuesFile, major, extra))
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

export const valuesName = (file: string) => file.split('/').pop()!;
