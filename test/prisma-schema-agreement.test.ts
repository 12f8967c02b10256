// schema.prisma and a freshly migrated database must describe the same tables, columns, keys and indexes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { get_dmmf } from '@prisma/prisma-schema-wasm';
import { inject, describe, expect, it } from 'vitest';

interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: string;
  type: string;
  isRequired: boolean;
  isId: boolean;
  hasDefaultValue: boolean;
  nativeType?: [string, string[]] | null;
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
}
interface DmmfIndex {
  model: string;
  type: 'id' | 'normal' | 'unique';
  dbName?: string | null;
  fields: { name: string; sortOrder?: 'asc' | 'desc' }[];
}

/** The PostgreSQL type Prisma maps a field to. */
function expectedType(field: DmmfField): { type: string; precision?: number } {
  const [native, args] = field.nativeType ?? [undefined, []];
  if (native === 'Citext') return { type: 'citext' };
  if (native === 'Uuid') return { type: 'uuid' };
  if (native === 'Timestamptz') return { type: 'timestamp with time zone', precision: Number(args[0] ?? 6) };
  const defaults: Record<string, { type: string; precision?: number }> = {
    String: { type: 'text' },
    Int: { type: 'integer' },
    BigInt: { type: 'bigint' },
    Boolean: { type: 'boolean' },
    Json: { type: 'jsonb' },
    DateTime: { type: 'timestamp without time zone', precision: 3 },
  };
  const mapped = defaults[field.type];
  if (!mapped) throw new Error(`no mapping for ${field.type} ${native ?? ''}`);
  return mapped;
}

/** Tables no schema.prisma models: the runner's bookkeeping, and the platform's audit trail (raw SQL only). */
const notModelled = ['_prisma_migrations', 'audit_events'];

async function describeDatabase(database: string) {
  const info = inject('postgres');
  const client = new pg.Client({
    connectionString: `postgresql://postgres:${encodeURIComponent(info.superuserPassword)}@127.0.0.1:${info.port}/${database}`,
  });
  await client.connect();
  try {
    const columns = await client.query(
      `
      SELECT c.table_name, c.column_name, CASE WHEN c.data_type = 'USER-DEFINED' THEN c.udt_name ELSE c.data_type END AS type,
             c.datetime_precision, c.is_nullable = 'YES' AS nullable, c.column_default IS NOT NULL AS has_default
      FROM information_schema.columns c
      WHERE c.table_schema = 'public' AND c.table_name <> ALL($1)`,
      [notModelled],
    );
    const indexes = await client.query(
      `SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> ALL($1)`,
      [notModelled],
    );
    return { columns: columns.rows, indexes: indexes.rows };
  } finally {
    await client.end();
  }
}

describe.each(['user', 'blog'])('the %s service', (service) => {
  it('schema.prisma and the migrated database agree', async () => {
    const schema = readFileSync(join(import.meta.dirname, `../services/${service}/prisma/schema.prisma`), 'utf8');
    const dmmf = JSON.parse(get_dmmf(JSON.stringify({ prismaSchema: schema }))).datamodel as { models: DmmfModel[]; indexes: DmmfIndex[] };
    const db = await describeDatabase(`${service}_template`);
    const tableOf = (model: DmmfModel) => model.dbName ?? model.name;
    const columnOf = (field: DmmfField) => field.dbName ?? field.name;

    expect(new Set(db.columns.map((c) => c.table_name))).toEqual(new Set(dmmf.models.map(tableOf)));
    for (const model of dmmf.models) {
      const table = tableOf(model);
      const scalars = model.fields.filter((f) => f.kind === 'scalar');
      const actual = db.columns.filter((c) => c.table_name === table);
      expect(actual.map((c) => c.column_name).sort(), table).toEqual(scalars.map(columnOf).sort());
      for (const field of scalars) {
        const column = actual.find((c) => c.column_name === columnOf(field))!;
        const expected = expectedType(field);
        const where = `${table}.${column.column_name}`;
        expect(column.type, where).toBe(expected.type);
        if (expected.precision !== undefined) expect(column.datetime_precision, where).toBe(expected.precision);
        expect(column.nullable, where).toBe(!field.isRequired);
        expect(column.has_default, where).toBe(field.hasDefaultValue);
      }
    }
    for (const index of dmmf.indexes) {
      const model = dmmf.models.find((m) => m.name === index.model)!;
      const table = tableOf(model);
      const columns = index.fields.map((f) => columnOf(model.fields.find((field) => field.name === f.name)!));
      const name =
        index.dbName ??
        (index.type === 'id' ? `${table}_pkey` : `${table}_${columns.join('_')}_${index.type === 'unique' ? 'key' : 'idx'}`);
      const found = db.indexes.find((i) => i.indexname === name);
      expect(found, `index ${name}`).toBeDefined();
      const definition = index.fields.map((f, i) => `${columns[i]}${f.sortOrder === 'desc' ? ' DESC' : ''}`).join(', ');
      expect(found!.indexdef.replaceAll('"', ''), name).toContain(`(${definition})`);
    }
  });
});
