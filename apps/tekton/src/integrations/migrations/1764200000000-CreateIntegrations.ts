import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateIntegrations1764200000000 implements MigrationInterface {
  name = 'CreateIntegrations1764200000000';

  async up(q: QueryRunner) {
    await q.query(`
      CREATE TABLE integration_provider (
        id bigserial PRIMARY KEY,
        tenant_id text NOT NULL,
        name text NOT NULL,
        type text NOT NULL CHECK (type IN ('generic', 'generic-hmac', 'slack', 'github')),
        address text NOT NULL,
        secret_encrypted text,
        timeout_ms int NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, name)
      )`);
    await q.query(`
      CREATE TABLE integration_notification (
        id bigserial PRIMARY KEY,
        tenant_id text NOT NULL,
        name text NOT NULL,
        provider_id bigint NOT NULL REFERENCES integration_provider (id) ON DELETE RESTRICT,
        suspend boolean NOT NULL DEFAULT false,
        filter jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, name)
      )`);
    await q.query(`
      CREATE TABLE integration_event (
        id text PRIMARY KEY,
        type text NOT NULL,
        tenant_id text,
        summary text NOT NULL,
        payload jsonb NOT NULL,
        origin text NOT NULL,
        correlation_id text,
        produced_by text,
        recorded_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX integration_event_correlation ON integration_event (correlation_id) WHERE correlation_id IS NOT NULL');
    await q.query(`
      CREATE TABLE integration_delivery (
        id bigserial PRIMARY KEY,
        notification_id bigint NOT NULL REFERENCES integration_notification (id) ON DELETE CASCADE,
        event_id text NOT NULL REFERENCES integration_event (id) ON DELETE CASCADE,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead', 'skipped')),
        attempts int NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error text,
        last_status_code int,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        UNIQUE (notification_id, event_id)
      )`);
    await q.query(`CREATE INDEX integration_delivery_due ON integration_delivery (next_attempt_at) WHERE status = 'pending'`);
  }

  async down(q: QueryRunner) {
    await q.query('DROP TABLE integration_delivery');
    await q.query('DROP TABLE integration_event');
    await q.query('DROP TABLE integration_notification');
    await q.query('DROP TABLE integration_provider');
  }
}
