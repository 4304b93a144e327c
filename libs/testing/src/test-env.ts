import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** Postgres and NATS for integration tests: what `npm test` provisioned, else the local defaults. */
export const testDatabaseUrl = () => process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const testNatsUrl = () => process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

/** A name no other test run uses: instance names, schemas and queue groups derive from it. */
export function uniqueName(prefix: string): string {
  return `${prefix}-t${randomBytes(4).toString('hex')}`;
}

export async function dropSchema(schema: string, databaseUrl = testDatabaseUrl()): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema.replace(/"/g, '""')}" CASCADE`);
  } finally {
    await client.end();
  }
}

export async function query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: unknown[] = [], databaseUrl = testDatabaseUrl()): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

const tempDirs = new Set<string>();

/** Remembers a temp dir to remove when this process exits (outside jest; under jest the run's temp dir, jest/global-setup.mjs, is removed whole). */
export function removeOnExit(dir: string): string {
  if (tempDirs.size === 0) {
    process.once('exit', () => {
      for (const each of tempDirs) rmSync(each, { recursive: true, force: true });
    });
  }
  tempDirs.add(dir);
  return dir;
}

/** Writes `content` to a new temp file, removed when this process exits. */
export async function writeTempFile(name: string, content: string): Promise<string> {
  const dir = removeOnExit(await mkdtemp(join(tmpdir(), 'kaa-test-')));
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

/** Polls until `probe` returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 5000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Waits until a service's outbox is empty: its relay deletes a row only once NATS confirmed it. */
export async function outboxDrained(schema: string, timeoutMs = 30000): Promise<void> {
  await eventually(async () => {
    const [{ left }] = await query<{ left: number }>(`SELECT count(*)::int AS left FROM "${schema.replace(/"/g, '""')}".outbox_message`);
    return left === 0 ? true : undefined;
  }, timeoutMs, 50);
}
