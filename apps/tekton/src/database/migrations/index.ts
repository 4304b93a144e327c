import type { MigrationInterface } from 'typeorm';
import { CreateConfigRepository1764100000000 } from './1764100000000-CreateConfigRepository.js';
import { integrationsMigrations } from '../../integrations/integrations.migrations.js';

/** Applied in order, under an advisory lock, before the service serves anything. */
export const migrations: (new () => MigrationInterface)[] = [
  CreateConfigRepository1764100000000,
  ...integrationsMigrations,
];
