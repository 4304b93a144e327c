import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Events are matched against notifications by the delivery worker, after the change that
 * recorded them committed: `matched_at` is null until then. Events stored before were matched
 * when they were recorded.
 */
export class MatchEventsInWorker1764400000000 implements MigrationInterface {
  name = 'MatchEventsInWorker1764400000000';

  async up(q: QueryRunner) {
    // A constant default fills existing rows without rewriting the table; new rows start unmatched.
    await q.query('ALTER TABLE integration_event ADD COLUMN matched_at timestamptz DEFAULT now()');
    await q.query('ALTER TABLE integration_event ALTER COLUMN matched_at DROP DEFAULT');
    await q.query('CREATE INDEX integration_event_unmatched ON integration_event (recorded_at, id) WHERE matched_at IS NULL');
  }

  async down(q: QueryRunner) {
    await q.query('DROP INDEX integration_event_unmatched');
    await q.query('ALTER TABLE integration_event DROP COLUMN matched_at');
  }
}
