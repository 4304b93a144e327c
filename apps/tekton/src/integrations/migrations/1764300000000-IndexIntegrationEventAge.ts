import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The retention purge finds old events by age. */
export class IndexIntegrationEventAge1764300000000 implements MigrationInterface {
  name = 'IndexIntegrationEventAge1764300000000';

  async up(q: QueryRunner) {
    await q.query('CREATE INDEX integration_event_recorded_at ON integration_event (recorded_at)');
  }

  async down(q: QueryRunner) {
    await q.query('DROP INDEX integration_event_recorded_at');
  }
}
