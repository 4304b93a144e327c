import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Why an event was matched without (all of) its deliveries: its matching timed out, failed, or ran over its budget. */
export class RecordMatchErrors1764500000000 implements MigrationInterface {
  name = 'RecordMatchErrors1764500000000';

  async up(q: QueryRunner) {
    await q.query('ALTER TABLE integration_event ADD COLUMN match_error text');
  }

  async down(q: QueryRunner) {
    await q.query('ALTER TABLE integration_event DROP COLUMN match_error');
  }
}
