import type { MigrationInterface } from 'typeorm';
import { CreateWatcherTables1764000000000 } from './1764000000000-CreateWatcherTables.js';

/** Applied in order, under an advisory lock, before the service serves anything. */
export const migrations: (new () => MigrationInterface)[] = [CreateWatcherTables1764000000000];
