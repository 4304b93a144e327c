import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { conflict } from '@kaa/server';
import { INTEGRATIONS_OPTIONS, type IntegrationsOptions } from './integrations.options.js';
import { NotificationEntity } from './notifications/notification.entity.js';
import { ProviderEntity } from './providers/provider.entity.js';

/** Page sizes of the integration lists: by default all of a tenant's (bounded by the quota). */
export const DELIVERIES_PAGE = { defaultSize: 500, maxSize: 500 } as const;

/**
 * How many providers and notifications a tenant may have: each is cheap to create and costs us
 * on every matched event. Checked before a creation; concurrent creations of one tenant may each
 * pass the check once.
 */
@Injectable()
export class IntegrationQuota {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(INTEGRATIONS_OPTIONS) private readonly options: IntegrationsOptions,
  ) {}

  get providersPage() {
    return { defaultSize: this.options.maxProvidersPerTenant, maxSize: this.options.maxProvidersPerTenant };
  }

  get notificationsPage() {
    return { defaultSize: this.options.maxNotificationsPerTenant, maxSize: this.options.maxNotificationsPerTenant };
  }

  /** 409 when the tenant already has as many providers as allowed. */
  async requireProviderRoom(tenantId: string): Promise<void> {
    const count = await this.dataSource.getRepository(ProviderEntity).countBy({ tenantId });
    const max = this.options.maxProvidersPerTenant;
    if (count >= max) throw conflict(`the tenant has ${count} providers, the most allowed (${max}); delete one first`);
  }

  /** 409 when the tenant already has as many notifications as allowed. */
  async requireNotificationRoom(tenantId: string): Promise<void> {
    const count = await this.dataSource.getRepository(NotificationEntity).countBy({ tenantId });
    const max = this.options.maxNotificationsPerTenant;
    if (count >= max) throw conflict(`the tenant has ${count} notifications, the most allowed (${max}); delete one first`);
  }
}
