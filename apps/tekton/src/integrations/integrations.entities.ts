import { NotificationEntity } from './notifications/notification.entity.js';
import { ProviderEntity } from './providers/provider.entity.js';

/** Entities of the integrations module; events and deliveries are handled in SQL (a queue). */
export const integrationsEntities: (new () => object)[] = [ProviderEntity, NotificationEntity];
