// The floor the services are measured against: node:https and a pg pool serving one blog by its
// slug as JSON, with no framework, no validation, no auth, no logging, no metrics, no tracing.
// FLOOR_PORT, DATABASE_URL, TLS_CERT_FILE, TLS_KEY_FILE; prints "listening" when ready.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const query = 'SELECT slug, title, content, author_handle, created_at, updated_at FROM blogs WHERE slug = $1';

const server = createServer(
  { cert: readFileSync(process.env.TLS_CERT_FILE), key: readFileSync(process.env.TLS_KEY_FILE) },
  async (request, response) => {
    const slug = decodeURIComponent(request.url.slice('/blogs/'.length));
    try {
      const { rows } = await pool.query(query, [slug]);
      response
        .writeHead(rows.length ? 200 : 404, { 'content-type': 'application/json' })
        .end(JSON.stringify(rows[0] ?? { msg: 'not found' }));
    } catch {
      response.writeHead(500, { 'content-type': 'application/json' }).end('{"msg":"error"}');
    }
  },
);
server.keepAliveTimeout = 75_000;
server.listen(Number(process.env.FLOOR_PORT), '127.0.0.1', () => console.log('listening'));
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
