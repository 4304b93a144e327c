import { DefaultConfig } from '../configs/default-config.entity.js';
import { EndpointConfig } from '../configs/endpoint-config.entity.js';
import { ConfigStatus } from '../history/config-status.entity.js';

/** Every entity of this service; the outbox entity comes from @kaa/persistence. */
export const entities: (new () => object)[] = [EndpointConfig, DefaultConfig, ConfigStatus];
