// The repository's copy of the public API contract is the contract: where the shared original is
// next to the clone (as in CI), the two must be the same text.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const copy = resolve(import.meta.dirname, '../docs/API.md');
const shared = resolve(import.meta.dirname, '../../shared/API.md');

describe('docs/API.md', () => {
  it.skipIf(!existsSync(shared))('equals the shared contract', () => {
    expect(readFileSync(copy, 'utf8')).toBe(readFileSync(shared, 'utf8'));
  });
});
