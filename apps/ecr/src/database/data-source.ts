import { DataSource } from 'typeorm';
import { loadEnv, serviceEnvShape } from '@kaa/config';
import { dataSourceOptions } from './options.js';

const { DATABASE_URL, SERVICE_INSTANCE_NAME, REPLICA_ID } = serviceEnvShape({ port: 8082, instanceName: 'ecr' });

/** For the TypeORM CLI only: `npx typeorm migration:show -d apps/ecr/dist/database/data-source.js`. */
export default new DataSource(dataSourceOptions(loadEnv({ DATABASE_URL, SERVICE_INSTANCE_NAME, REPLICA_ID })));
