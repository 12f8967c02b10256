// k8s/versions.env, the one list of versions, as the tests read it.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** KEY=VALUE lines of a shell file, with the quotes of a quoted value removed. */
export function parseEnvFile(text: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Z][A-Z0-9_]*)=(?:"([^"]*)"|(\S*))\s*$/.exec(line);
    if (match?.[1]) entries.set(match[1], match[2] ?? match[3] ?? '');
  }
  return entries;
}

/** Every pin of k8s/versions.env. */
export const pinnedVersions = (): Map<string, string> =>
  parseEnvFile(readFileSync(resolve(import.meta.dirname, '../k8s/versions.env'), 'utf8'));
