import { postgresOptions } from '@kaa/persistence';
import { entities } from './entities.js';
import { migrations } from './migrations/index.js';

/** Options shared by Nest and the TypeORM CLI; the schema is the service instance's name. */
export function dataSourceOptions(env: { DATABASE_URL: string; SERVICE_INSTANCE_NAME: string; REPLICA_ID: string }) {
  return postgresOptions({
    url: env.DATABASE_URL,
    schema: env.SERVICE_INSTANCE_NAME,
    entities,
    migrations,
    applicationName: `watcher:${env.SERVICE_INSTANCE_NAME}:${env.REPLICA_ID}`,
  });
}
