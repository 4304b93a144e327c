import { AppVersion } from '../applications/app-version.entity.js';
import { Application } from '../applications/application.entity.js';
import { ConfigRevision } from '../configs/config-revision.entity.js';
import { ServiceConfig } from '../configs/service-config.entity.js';
import { integrationsEntities } from '../integrations/integrations.entities.js';

/** Every entity of this service; the outbox entity comes from @kaa/persistence. */
export const entities: (new () => object)[] = [
  Application,
  AppVersion,
  ServiceConfig,
  ConfigRevision,
  ...integrationsEntities,
];
