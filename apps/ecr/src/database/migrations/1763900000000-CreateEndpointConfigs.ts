import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Endpoint configs, app-version defaults and the dispatch/confirmation history. Config ids are
 * text, not uuid: ids arriving over 6/CDTP are arbitrary strings and must compare, not fail.
 */
export class CreateEndpointConfigs1763900000000 implements MigrationInterface {
  name = 'CreateEndpointConfigs1763900000000';

  async up(q: QueryRunner) {
    await q.query(`
      CREATE TABLE endpoint_config (
        config_id text PRIMARY KEY,
        tenant_id text NOT NULL,
        endpoint_id text NOT NULL,
        app_version_name text NOT NULL,
        name text NOT NULL,
        config text NOT NULL,
        created_date timestamptz NOT NULL,
        updated_date timestamptz NOT NULL,
        CONSTRAINT endpoint_config_slot UNIQUE (endpoint_id, app_version_name, name)
      )`);
    await q.query('CREATE INDEX endpoint_config_app_version ON endpoint_config (app_version_name, name)');
    await q.query('CREATE INDEX endpoint_config_tenant ON endpoint_config (tenant_id)');
    await q.query(`
      CREATE TABLE default_config (
        config_id text PRIMARY KEY,
        tenant_id text NOT NULL,
        app_version_name text NOT NULL,
        name text NOT NULL,
        config text NOT NULL,
        created_date timestamptz NOT NULL,
        updated_date timestamptz NOT NULL,
        CONSTRAINT default_config_slot UNIQUE (app_version_name, name)
      )`);
    await q.query('CREATE INDEX default_config_tenant ON default_config (tenant_id)');
    await q.query(`
      CREATE TABLE config_status (
        id bigserial PRIMARY KEY,
        tenant_id text NOT NULL,
        endpoint_id text NOT NULL,
        app_version_name text NOT NULL,
        config_id text NOT NULL,
        config_name text NOT NULL,
        config text NOT NULL,
        status text NOT NULL,
        last_dispatched_date timestamptz,
        last_confirmed_date timestamptz,
        confirmation_status_code int,
        confirmation_reason_phrase text,
        CONSTRAINT config_status_entry UNIQUE (endpoint_id, app_version_name, config_id)
      )`);
    await q.query('CREATE INDEX config_status_app_version ON config_status (app_version_name, config_name, endpoint_id)');
    await q.query('CREATE INDEX config_status_tenant ON config_status (tenant_id)');
  }

  async down(q: QueryRunner) {
    await q.query('DROP TABLE config_status');
    await q.query('DROP TABLE default_config');
    await q.query('DROP TABLE endpoint_config');
  }
}
