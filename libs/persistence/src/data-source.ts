import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import type { DataSource, DataSourceOptions, MixedList, EntitySchema } from 'typeorm';
import { OutboxMessage } from './outbox/outbox-message.entity.js';
import { CreateOutbox1763856000000 } from './outbox/create-outbox.migration.js';
import { SnakeNamingStrategy } from './snake-naming.strategy.js';

export interface PostgresSettings {
  url: string;
  /** One Postgres schema per service instance. */
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
  applicationName: string;
  poolSize?: number;
}

export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** A string literal for SQL that takes no parameters (standard_conforming_strings: only quotes are doubled). */
export const quoteLiteral = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** The pg pool behind a TypeORM Postgres data source, for what TypeORM's query API cannot send. */
export function pgPool(dataSource: DataSource): Pool {
  return (dataSource.driver as unknown as { master: Pool }).master;
}

/** Postgres refuses NOTIFY channel names of 64 bytes or more. */
const MAX_CHANNEL_BYTES = 63;

/**
 * A NOTIFY channel per schema (= service instance). Instance names run to 63 characters, so a long
 * one is shortened and a hash of the whole keeps two long names with a common start apart.
 */
export function channelName(prefix: string, schema: string): string {
  const plain = `${prefix}_${schema}`;
  if (Buffer.byteLength(plain) <= MAX_CHANNEL_BYTES) return plain;
  const hash = createHash('sha256').update(schema).digest('hex').slice(0, 12);
  const room = MAX_CHANNEL_BYTES - prefix.length - hash.length - 2;
  return `${prefix}_${schema.slice(0, room)}_${hash}`;
}

/**
 * The options every app's data source uses, shared by Nest and the TypeORM CLI. Migrations are
 * never run implicitly and the schema is never synchronized; the outbox table is part of every
 * service's schema.
 */
export function postgresOptions(settings: PostgresSettings): DataSourceOptions {
  return {
    type: 'postgres',
    url: settings.url,
    schema: settings.schema,
    applicationName: settings.applicationName,
    entities: [OutboxMessage, ...(settings.entities as unknown[])] as DataSourceOptions['entities'],
    migrations: [CreateOutbox1763856000000, ...(settings.migrations as unknown[])] as DataSourceOptions['migrations'],
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    migrationsRun: false,
    synchronize: false,
    namingStrategy: new SnakeNamingStrategy(),
    logging: ['error', 'warn', 'migration'],
    extra: {
      max: settings.poolSize ?? 10,
      // Without it a request waits forever for a connection to an unreachable Postgres; with it, 503.
      connectionTimeoutMillis: 5_000,
      // Migrations use unqualified names; they land in the instance's schema.
      options: `-c search_path=${quoteIdent(settings.schema)},public`,
    },
  };
}

export interface ServiceIdentityEnv {
  DATABASE_URL: string;
  SERVICE_INSTANCE_NAME: string;
  REPLICA_ID: string;
}

/**
 * A service instance's data source: its schema is the instance name (so instances sharing one
 * Postgres never see each other's rows), and connections name the service, instance and replica.
 */
export function serviceDataSourceOptions(
  service: string,
  env: ServiceIdentityEnv,
  model: Pick<PostgresSettings, 'entities' | 'migrations'>,
): DataSourceOptions {
  return postgresOptions({
    url: env.DATABASE_URL,
    schema: env.SERVICE_INSTANCE_NAME,
    applicationName: `${service}:${env.SERVICE_INSTANCE_NAME}:${env.REPLICA_ID}`,
    ...model,
  });
}

export function schemaOf(dataSource: DataSource): string {
  const schema = (dataSource.options as { schema?: string }).schema;
  if (!schema) throw new Error('data source has no schema');
  return schema;
}

/**
 * Creates the schema and applies pending migrations while holding a Postgres advisory lock,
 * so replicas starting together apply each migration once.
 */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const schema = schemaOf(dataSource);
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [`kaa:migrations:${schema}`]);
    try {
      await runner.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      return applied.map((m) => m.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [`kaa:migrations:${schema}`]);
    }
  } finally {
    await runner.release();
  }
}
