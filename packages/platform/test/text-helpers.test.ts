import { describe, expect, it } from 'vitest';
import { containsPattern, escapeLike } from '../src/sql.ts';
import { decodeCursor, encodeCursor } from '../src/pagination.ts';
import { HttpError } from '../src/errors.ts';

describe('LIKE escaping', () => {
  it('makes %, _ and \\ literal', () => {
    expect(escapeLike('100%_a\\b')).toBe('100\\%\\_a\\\\b');
    expect(containsPattern('x%')).toBe('%x\\%%');
  });
});

describe('cursors', () => {
  it('round-trip the sort key', () => {
    const cursor = encodeCursor({ t: '2026-01-01T00:00:00.000Z', s: 'slug-abc' });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, ['t', 's'])).toEqual({ t: '2026-01-01T00:00:00.000Z', s: 'slug-abc' });
  });
  it.each([
    ['not json', Buffer.from('nope').toString('base64url')],
    ['missing field', encodeCursor({ t: 'x' })],
    ['number', Buffer.from('{"t":1,"s":"a"}').toString('base64url')],
  ])('refuse %s with a 400', (_name, cursor) => {
    expect(() => decodeCursor(cursor, ['t', 's'])).toThrow(HttpError);
  });
});
