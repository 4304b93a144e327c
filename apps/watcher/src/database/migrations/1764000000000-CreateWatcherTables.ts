import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateWatcherTables1764000000000 implements MigrationInterface {
  name = 'CreateWatcherTables1764000000000';

  async up(q: QueryRunner) {
    await q.query(`
      CREATE TABLE certificate_authority (
        id serial PRIMARY KEY,
        serial_number text NOT NULL UNIQUE,
        certificate_pem text NOT NULL,
        encrypted_key text NOT NULL,
        status text NOT NULL CHECK (status IN ('active', 'retiring')),
        not_after timestamptz NOT NULL,
        trusted_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX certificate_authority_one_active ON certificate_authority (status) WHERE status = 'active'`);
    await q.query(`
      CREATE TABLE runtime (
        runtime_id text PRIMARY KEY,
        tenant_id text NOT NULL,
        domain text NOT NULL,
        status text NOT NULL CHECK (status IN ('active', 'revoked')),
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX runtime_tenant ON runtime (tenant_id)');
    await q.query(`
      CREATE TABLE runtime_certificate (
        serial_number text PRIMARY KEY,
        runtime_id text NOT NULL REFERENCES runtime (runtime_id) ON DELETE CASCADE,
        ca_id int NOT NULL REFERENCES certificate_authority (id),
        not_before timestamptz NOT NULL,
        not_after timestamptz NOT NULL,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX runtime_certificate_runtime ON runtime_certificate (runtime_id)');
    await q.query(`
      CREATE TABLE watcher (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id text NOT NULL,
        component text NOT NULL,
        resource_group text NOT NULL,
        resource_version text NOT NULL,
        resource text NOT NULL,
        labels_to_watch jsonb NOT NULL DEFAULT '{}',
        field text NOT NULL CHECK (field IN ('spec', 'status')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX watcher_tenant_component ON watcher (tenant_id, component)');
  }

  async down(q: QueryRunner) {
    await q.query('DROP TABLE watcher');
    await q.query('DROP TABLE runtime_certificate');
    await q.query('DROP TABLE runtime');
    await q.query('DROP TABLE certificate_authority');
  }
}
