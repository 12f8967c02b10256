import { containsPattern } from '@blog/platform';
import type { Db, Tx } from '../db.ts';
import { Prisma } from '../generated/prisma/client.ts';

export interface BlogRecord {
  slug: string;
  title: string;
  content: string;
  authorHandle: string;
  createdAt: Date;
  updatedAt: Date;
}

/** Lists without pagination (search, by author name) stop here. */
export const maxResults = 100;

/**
 * The reads are raw SQL through Prisma: on the hot path Prisma's query building was the largest
 * cost after TLS (see README, "Performance"), and each of these is one indexed statement.
 */
const columns = Prisma.sql`slug, title, content, author_handle AS "authorHandle", created_at AS "createdAt", updated_at AS "updatedAt"`;

export async function findBlog(db: Db, slug: string): Promise<BlogRecord | null> {
  const rows = await db.$queryRaw<BlogRecord[]>`SELECT ${columns} FROM blogs WHERE slug = ${slug}`;
  return rows[0] ?? null;
}

/**
 * The blog, locked until the transaction `tx` ends, so that what is decided from it (who may
 * change it) still holds when it is written: a concurrent delete either waits or has happened.
 */
export async function lockBlog(tx: Tx, slug: string): Promise<BlogRecord | null> {
  const rows = await tx.$queryRaw<BlogRecord[]>`SELECT ${columns} FROM blogs WHERE slug = ${slug} FOR UPDATE`;
  return rows[0] ?? null;
}

/** Newest first, after the (createdAt, slug) of the previous page's last blog; one extra row tells whether more exist. */
export function listBlogs(db: Db, limit: number, after?: { createdAt: Date; slug: string }): Promise<BlogRecord[]> {
  // A row comparison, so the (created_at DESC, slug DESC) index serves both the order and the cursor.
  const cursor = after ? Prisma.sql`WHERE (created_at, slug) < (${after.createdAt}::timestamptz, ${after.slug})` : Prisma.empty;
  return db.$queryRaw<BlogRecord[]>`SELECT ${columns} FROM blogs ${cursor} ORDER BY created_at DESC, slug DESC LIMIT ${limit + 1}`;
}

/** Case-insensitive substring search; `%` and `_` in the text match themselves. */
export function searchBlogs(db: Db, field: 'title' | 'author', text: string): Promise<BlogRecord[]> {
  const column = Prisma.raw(field === 'title' ? 'title' : 'author_handle');
  return db.$queryRaw<BlogRecord[]>`
    SELECT ${columns} FROM blogs WHERE ${column} ILIKE ${containsPattern(text)} ESCAPE '\\'
    ORDER BY created_at DESC, slug DESC LIMIT ${maxResults}`;
}

export function blogsByAuthors(db: Db, handles: string[]): Promise<BlogRecord[]> {
  return db.$queryRaw<BlogRecord[]>`
    SELECT ${columns} FROM blogs WHERE author_handle = ANY(${handles}::text[])
    ORDER BY created_at DESC, slug DESC LIMIT ${maxResults}`;
}

export function insertBlog(db: Tx, blog: Pick<BlogRecord, 'slug' | 'title' | 'content' | 'authorHandle'>): Promise<BlogRecord> {
  return db.blog.create({ data: blog });
}

/** Only for a blog locked by `lockBlog` in the same transaction. */
export function updateBlog(tx: Tx, slug: string, changes: { title?: string; content?: string }): Promise<BlogRecord> {
  return tx.blog.update({ where: { slug }, data: { ...changes, updatedAt: new Date() } });
}

/** Only for a blog locked by `lockBlog` in the same transaction. */
export async function deleteBlog(tx: Tx, slug: string): Promise<void> {
  await tx.blog.delete({ where: { slug } });
}

export async function deleteBlogsByAuthor(db: Tx, handle: string): Promise<number> {
  return (await db.blog.deleteMany({ where: { authorHandle: handle } })).count;
}
