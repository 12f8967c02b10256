import { Type } from 'typebox';
import { badRequest } from './errors.ts';

export const PageQuery = {
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512, pattern: '^[A-Za-z0-9_-]+$' })),
};

/** Cursors are opaque to clients: base64url JSON of the sort key of the last item returned. */
export function encodeCursor(key: Record<string, string>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor<K extends string>(cursor: string, fields: readonly K[]): Record<K, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('Invalid cursor');
  }
  if (typeof parsed !== 'object' || parsed === null) throw badRequest('Invalid cursor');
  const record = parsed as Record<string, unknown>;
  for (const field of fields) if (typeof record[field] !== 'string' || record[field].includes('\u0000')) throw badRequest('Invalid cursor');
  return record as Record<K, string>;
}
