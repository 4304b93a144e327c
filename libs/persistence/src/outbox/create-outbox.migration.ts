import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateOutbox1763856000000 implements MigrationInterface {
  name = 'CreateOutbox1763856000000';

  async up(q: QueryRunner) {
    await q.query(`
      CREATE TABLE outbox_message (
        id bigserial PRIMARY KEY,
        subject text NOT NULL,
        payload bytea NOT NULL,
        headers jsonb,
        msg_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        attempts int NOT NULL DEFAULT 0,
        last_error text
      )`);
  }

  async down(q: QueryRunner) {
    await q.query('DROP TABLE outbox_message');
  }
}
