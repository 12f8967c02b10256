import { HttpError } from '@blog/platform';

/** How many blogs one page of a list shows: the home page, an author's page and a search's results alike. */
export const pageSize = 20;

/**
 * One page of a list the API returns whole (an author's blogs and a search's results: the API's 100
 * newest matches). Its pages are named by the `cursor` parameter as the home page's are; here the
 * cursor is the position of the page's first blog.
 */
export function pageOf<T>(items: readonly T[], cursor: string | undefined): { items: T[]; nextCursor: string | undefined } {
  if (cursor && !/^\d{1,6}$/.test(cursor)) throw new HttpError(400, 'There is no such page of this list.');
  const start = cursor ? Number(cursor) : 0;
  const end = start + pageSize;
  return { items: items.slice(start, end), nextCursor: end < items.length ? String(end) : undefined };
}

/** The address of a list's next page: its path, the query that makes the list (a search's words), and the next page's cursor. */
export function nextPageHref(path: string, nextCursor: string | null | undefined, listQuery: Record<string, string> = {}) {
  return nextCursor ? `${path}?${new URLSearchParams({ ...listQuery, cursor: nextCursor })}` : undefined;
}
