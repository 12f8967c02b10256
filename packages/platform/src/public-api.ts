/**
 * The public API's wire format (docs/API.md) where more than one package reads it: the blog
 * service sends blogs in this shape, and the web service, a client of the API, reads them.
 */

/** A blog as the API sends it: snake_case, times in ISO 8601 (UTC, to the millisecond, as stored). */
export interface BlogView {
  slug: string;
  title: string;
  content: string;
  author_handle: string;
  created_at: string;
  updated_at: string;
}
