import { containsPattern, type BlogView } from '@blog/platform';
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

export type { BlogView };

/** Lists without pagination (search, by author name) stop here. */
export const maxResults = 100;

const columns = Prisma.sql`slug, title, content, author_handle AS "authorHandle", created_at AS "createdAt", updated_at AS "updatedAt"`;

/*
 * The public reads are raw SQL through Prisma, one indexed statement each, and select each row in
 * the API's own shape, its times already written as the API writes them: no Date is made and
 * formatted again per row (see README, "Performance").
 */
const isoTime = (column: 'created_at' | 'updated_at') =>
  Prisma.raw(`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${column}`);
// The output names shadow the columns in ORDER BY: the reads order by blogs.created_at.
const viewColumns = Prisma.sql`slug, title, content, author_handle, ${isoTime('created_at')}, ${isoTime('updated_at')}`;

export async function findBlog(db: Db, slug: string): Promise<BlogView | null> {
  const rows = await db.$queryRaw<BlogView[]>`SELECT ${viewColumns} FROM blogs WHERE slug = ${slug}`;
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
export function listBlogs(db: Db, limit: number, after?: { createdAt: Date; slug: string }): Promise<BlogView[]> {
  // A row comparison, so the (created_at DESC, slug DESC) index serves both the order and the cursor.
  const cursor = after ? Prisma.sql`WHERE (created_at, slug) < (${after.createdAt}::timestamptz, ${after.slug})` : Prisma.empty;
  return db.$queryRaw<
    BlogView[]
  >`SELECT ${viewColumns} FROM blogs ${cursor} ORDER BY blogs.created_at DESC, blogs.slug DESC LIMIT ${limit + 1}`;
}

/** Case-insensitive substring search; `%` and `_` in the text match themselves. */
export function searchBlogs(db: Db, field: 'title' | 'author', text: string): Promise<BlogView[]> {
  const column = Prisma.raw(field === 'title' ? 'title' : 'author_handle');
  return db.$queryRaw<BlogView[]>`
    SELECT ${viewColumns} FROM blogs WHERE ${column} ILIKE ${containsPattern(text)} ESCAPE '\\'
    ORDER BY blogs.created_at DESC, blogs.slug DESC LIMIT ${maxResults}`;
}

export function blogsByAuthors(db: Db, handles: string[]): Promise<BlogView[]> {
  return db.$queryRaw<BlogView[]>`
    SELECT ${viewColumns} FROM blogs WHERE author_handle = ANY(${handles}::text[])
    ORDER BY blogs.created_at DESC, blogs.slug DESC LIMIT ${maxResults}`;
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
