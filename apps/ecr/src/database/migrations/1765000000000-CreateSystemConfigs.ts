import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * System configurations (the `/system/...` API, announced over 27/SCMP): named JSON documents at
 * a tenant, application, app version or endpoint, each row owned by a tenant. Endpoint ids are
 * unique only within a tenant, so the tenant is part of every slot. `revision` numbers the
 * changes (one sequence for all rows): every change of a slot takes a higher number than the
 * previous one, deletes and re-creations included, so followers can drop repeats.
 */
export class CreateSystemConfigs1765000000000 implements MigrationInterface {
  name = 'CreateSystemConfigs1765000000000';

  async up(q: QueryRunner) {
    await q.query('CREATE SEQUENCE system_config_revision');
    await q.query(`
      CREATE TABLE system_config (
        config_id text PRIMARY KEY,
        tenant_id text NOT NULL,
        level text NOT NULL CHECK (level IN ('TENANT', 'APPLICATION', 'APP_VERSION', 'ENDPOINT')),
        level_id text NOT NULL,
        name text NOT NULL,
        display_name text,
        config text NOT NULL,
        revision bigint NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CONSTRAINT system_config_slot UNIQUE (tenant_id, level, level_id, name)
      )`);
  }

  async down(q: QueryRunner) {
    await q.query('DROP TABLE system_config');
    await q.query('DROP SEQUENCE system_config_revision');
  }
}
