// The blog reads' SQL, exactly as the repository sends it, planned by PostgreSQL on 30,000
// blogs: every read uses an index, a search by a rare word uses the trigram index, and every
// list stops at its page size instead of reading the table.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceDatabase, roleUrl } from '@blog/devstack';
import { testDatabaseServer } from '@blog/test-support/database';
import { createDb, type Db } from '../src/db.ts';
import { blogsByAuthors, findBlog, listBlogs, maxResults, searchBlogs } from '../src/repositories/blogs.ts';

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Actual Rows': number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

const blogCount = 30_000;
let pool: pg.Pool;
let db: Db;
let superuser: pg.Pool;
/** The statements the repository sent, in order. */
const sent: { text: string; values: unknown[] }[] = [];

beforeAll(async () => {
  const { server, info } = testDatabaseServer();
  const database = `blog_plans_${randomBytes(4).toString('hex')}`;
  await createServiceDatabase(server, 'blog', database, 'blog_template');
  superuser = new pg.Pool({ connectionString: server.superuserUrl(database), max: 1 });
  await superuser.query(
    `INSERT INTO blogs (slug, title, content, author_handle, created_at, updated_at)
     SELECT 'post-' || i, 'Post ' || i || ' on ' || (ARRAY['engines', 'looms', 'gardens', 'rivers'])[i % 4 + 1]
              || CASE WHEN i % 6000 = 0 THEN ' zyxwquartz' ELSE '' END,
            'text', '@author' || (i % 300), now() - i * interval '1 second', now() - i * interval '1 second'
     FROM generate_series(1, $1::int) i`,
    [blogCount],
  );
  await superuser.query('ANALYZE blogs');
  pool = new pg.Pool({ connectionString: roleUrl(server, 'blog_app', info.passwords.blog.app, database), max: 2 });
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  pool.query = ((config: unknown, values?: unknown[]) => {
    const statement =
      typeof config === 'string' ? { text: config, values: values ?? [] } : (config as { text: string; values?: unknown[] });
    sent.push({ text: statement.text, values: statement.values ?? values ?? [] });
    return query(config, values);
  }) as typeof pool.query;
  db = createDb(pool);
});
afterAll(async () => {
  await db?.$disconnect();
  await pool?.end();
  await superuser?.end();
});

/** Runs `read`, then has PostgreSQL plan and execute the one statement it sent. */
async function planOf(read: () => Promise<unknown>): Promise<PlanNode> {
  sent.length = 0;
  await read();
  expect(sent).toHaveLength(1);
  const { text, values } = sent[0]!;
  const result = await superuser.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, values);
  return result.rows[0]['QUERY PLAN'][0].Plan as PlanNode;
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

const describePlan = (plan: PlanNode) => nodes(plan).map((n) => `${n['Node Type']}${n['Index Name'] ? ` on ${n['Index Name']}` : ''}`);

describe('query plans of the blog reads', () => {
  it('reads one blog by its primary key', async () => {
    const plan = await planOf(() => findBlog(db, 'post-77'));
    expect(describePlan(plan)).toEqual(['Index Scan on blogs_pkey']);
  });

  it('reads the first page from the (created_at, slug) index and stops after it', async () => {
    const plan = await planOf(() => listBlogs(db, 20));
    expect(describePlan(plan)).toEqual(['Limit', 'Index Scan on blogs_created_at_slug_idx']);
    expect(plan.Plans![0]!['Actual Rows']).toBe(21);
  });

  it('finds a rare word in titles through the trigram index', async () => {
    const plan = await planOf(() => searchBlogs(db, 'title', 'zyxwquartz'));
    expect(describePlan(plan)).toContain('Bitmap Index Scan on blogs_title_trgm_idx');
    expect(describePlan(plan)).not.toContain('Seq Scan');
    expect(plan['Actual Rows']).toBe(blogCount / 6000);
  });

  it('stops a search matching a quarter of the blogs at the page size', async () => {
    const plan = await planOf(() => searchBlogs(db, 'title', 'engines'));
    expect(plan['Node Type']).toBe('Limit');
    expect(plan['Actual Rows']).toBe(maxResults);
    expect(describePlan(plan)).not.toContain('Seq Scan');
    // Read newest first along the index, it looks at a few hundred rows, not all 30,000.
    const scanned = nodes(plan).reduce((sum, n) => sum + (n['Rows Removed by Filter'] ?? 0), 0);
    console.log(`search matching a quarter: ${describePlan(plan).join(' > ')}, ${scanned} rows filtered out`);
    expect(scanned).toBeLessThan(blogCount / 10);
  });

  it("reads an author's blogs through the author index", async () => {
    const plan = await planOf(() => blogsByAuthors(db, ['@author7']));
    expect(describePlan(plan).some((node) => node.endsWith('blogs_author_handle_idx'))).toBe(true);
    expect(describePlan(plan)).not.toContain('Seq Scan');
    expect(plan['Actual Rows']).toBe(maxResults);
  });
});
