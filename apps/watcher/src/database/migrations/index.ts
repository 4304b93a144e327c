import type { MigrationInterface } from 'typeorm';

/** Applied in order, under an advisory lock, before the service serves anything. */
export const migrations: (new () => MigrationInterface)[] = [];
