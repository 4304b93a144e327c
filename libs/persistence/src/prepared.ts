import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { pgPool } from './data-source.js';

/** Statement texts are few and fixed (built once per service), so their names are kept. */
const statementNames = new Map<string, string>();

/**
 * Runs one statement on its own (autocommit) as a named prepared statement: each pooled
 * connection parses and plans it once, later runs only bind and execute it. For statements run
 * on every request, whose parse and plan cost as much as their execution. The name is derived
 * from the text, so different texts never share one.
 */
export async function queryPrepared<T>(dataSource: DataSource, text: string, values: unknown[]): Promise<T[]> {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `kaa_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
    statementNames.set(text, name);
  }
  const { rows } = await pgPool(dataSource).query({ name, text, values });
  return rows as T[];
}
