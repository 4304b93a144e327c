import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';

/** The pg pool behind a TypeORM Postgres data source. */
interface PgPool {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/** Statement texts are few and fixed (built once per service), so their names are kept. */
const statementNames = new Map<string, string>();

/**
 * Runs one statement on its own (autocommit) as a named prepared statement: each pooled
 * connection parses and plans it once, later runs only bind and execute it. For statements run
 * on every request, whose parse and plan cost as much as their execution. The name is derived
 * from the text, so different texts never share one.
 */
export async function queryPrepared<T>(dataSource: DataSource, text: string, values: unknown[]): Promise<T[]> {
  const pool = (dataSource.driver as unknown as { master: PgPool }).master;
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `kaa_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
    statementNames.set(text, name);
  }
  const { rows } = await pool.query({ name, text, values });
  return rows as T[];
}
