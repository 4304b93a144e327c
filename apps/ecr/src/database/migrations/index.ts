import type { MigrationInterface } from 'typeorm';
import { CreateEndpointConfigs1763900000000 } from './1763900000000-CreateEndpointConfigs.js';
import { NotifyConfigChanges1764000000000 } from './1764000000000-NotifyConfigChanges.js';
import { CreateSystemConfigs1765000000000 } from './1765000000000-CreateSystemConfigs.js';

/** Applied in order, under an advisory lock, before the service serves anything. */
export const migrations: (new () => MigrationInterface)[] = [CreateEndpointConfigs1763900000000, NotifyConfigChanges1764000000000, CreateSystemConfigs1765000000000];
