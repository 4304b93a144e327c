import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateConfigRepository1764100000000 implements MigrationInterface {
  name = 'CreateConfigRepository1764100000000';

  async up(q: QueryRunner) {
    await q.query(`
      CREATE TABLE application (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id text NOT NULL,
        name text NOT NULL UNIQUE,
        name_key text NOT NULL UNIQUE,
        display_name text,
        description text,
        created_date timestamptz NOT NULL DEFAULT now(),
        updated_date timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX application_tenant_idx ON application (tenant_id, name)');
    await q.query(`
      CREATE TABLE app_version (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        application_id uuid NOT NULL REFERENCES application (id) ON DELETE CASCADE,
        tenant_id text NOT NULL,
        name text NOT NULL UNIQUE,
        name_key text NOT NULL UNIQUE,
        name_suffix text NOT NULL,
        display_name text,
        description text,
        created_date timestamptz NOT NULL DEFAULT now(),
        updated_date timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX app_version_application_idx ON app_version (application_id, name)');
    await q.query(`
      CREATE TABLE service_config (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        service_instance text NOT NULL,
        level text NOT NULL CHECK (level IN ('application', 'app-version', 'tenant')),
        tenant_id text NOT NULL,
        app_name text,
        app_version_name text,
        scope_key text NOT NULL,
        config jsonb NOT NULL,
        revision int NOT NULL,
        updated_date timestamptz NOT NULL DEFAULT now(),
        UNIQUE (service_instance, scope_key)
      )`);
    await q.query('CREATE INDEX service_config_tenant_idx ON service_config (tenant_id, service_instance)');
    await q.query('CREATE INDEX service_config_app_idx ON service_config (app_name)');
    await q.query(`
      CREATE TABLE config_revision (
        id uuid PRIMARY KEY,
        service_instance text NOT NULL,
        level text NOT NULL,
        tenant_id text NOT NULL,
        app_name text,
        app_version_name text,
        scope_key text NOT NULL,
        revision int NOT NULL,
        config jsonb NOT NULL,
        author text NOT NULL,
        source_revision text,
        source text,
        rolled_back_from int,
        created_date timestamptz NOT NULL DEFAULT now(),
        UNIQUE (service_instance, scope_key, revision)
      )`);
    await q.query('CREATE INDEX config_revision_app_idx ON config_revision (app_name)');
  }

  async down(q: QueryRunner) {
    await q.query('DROP TABLE config_revision');
    await q.query('DROP TABLE service_config');
    await q.query('DROP TABLE app_version');
    await q.query('DROP TABLE application');
  }
}
