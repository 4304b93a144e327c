import { serviceDataSourceOptions, type ServiceIdentityEnv } from '@kaa/persistence';
import { entities } from './entities.js';
import { migrations } from './migrations/index.js';

/** Options shared by Nest and the TypeORM CLI. */
export const dataSourceOptions = (env: ServiceIdentityEnv) => serviceDataSourceOptions('tekton', env, { entities, migrations });
