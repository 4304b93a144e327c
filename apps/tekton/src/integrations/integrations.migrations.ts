import type { MigrationInterface } from 'typeorm';
import { CreateIntegrations1764200000000 } from './migrations/1764200000000-CreateIntegrations.js';
import { IndexIntegrationEventAge1764300000000 } from './migrations/1764300000000-IndexIntegrationEventAge.js';
import { MatchEventsInWorker1764400000000 } from './migrations/1764400000000-MatchEventsInWorker.js';
import { RecordMatchErrors1764500000000 } from './migrations/1764500000000-RecordMatchErrors.js';

/** Integrations' migrations; timestamps sort after tekton's own. */
export const integrationsMigrations: (new () => MigrationInterface)[] = [CreateIntegrations1764200000000, IndexIntegrationEventAge1764300000000, MatchEventsInWorker1764400000000, RecordMatchErrors1764500000000];
