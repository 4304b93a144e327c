import { Inject, Injectable, NotImplementedException, Optional } from '@nestjs/common';
import { DomainError, notFound } from '@kaa/server';
import { parseAppVersionName, type AppVersionRef } from '../configs/config-keys.js';
import type { StoredConfig } from '../configs/config-view.js';
import { CONFIG_LIMITS, ConfigsService, type ConfigLimits } from '../configs/configs.service.js';
import { EprClient, EprFilterNotFoundError, EprTooManyEndpointsError } from './epr-client.js';

/**
 * `PUT /endpoints/filters/{filterId}`: one config to every endpoint Kaa EPR lists for the filter,
 * through the batch write (one transaction, one ConfigUpdated per endpoint, all or nothing).
 */
@Injectable()
export class FilterConfigsService {
  constructor(
    private readonly configs: ConfigsService,
    @Inject(CONFIG_LIMITS) private readonly limits: ConfigLimits,
    @Optional() @Inject(EprClient) private readonly epr?: EprClient,
  ) {}

  async putByFilter(tenantId: string, filterId: string, name: string, document: unknown): Promise<StoredConfig[]> {
    if (!this.epr) {
      throw new NotImplementedException('endpoint filters need Kaa EPR: set EPR_URL (with TOKEN_URL, CLIENT_ID and CLIENT_SECRET) to apply configurations by filter');
    }
    const listed = await this.epr.endpointsOfFilter(filterId, tenantId, this.limits.batchMaxEndpoints).catch((error: Error) => {
      if (error instanceof EprFilterNotFoundError) throw notFound(`filter ${filterId} not found`);
      if (error instanceof EprTooManyEndpointsError) {
        throw new DomainError('PAYLOAD_TOO_LARGE', `filter ${filterId} holds ${error.atLeast} or more endpoints; at most ${this.limits.batchMaxEndpoints} per request (ECR_BATCH_MAX_ENDPOINTS)`);
      }
      throw error;
    });
    // Grouped by app version; the batch write then answers 404 for the whole call unless the
    // caller's tenant owns every one of them (what EPR lists is not trusted to be the caller's).
    const byName = new Map<string, string[]>();
    for (const { endpointId, appVersionName } of listed) byName.set(appVersionName, [...(byName.get(appVersionName) ?? []), endpointId]);
    const endpoints = new Map<AppVersionRef, string[]>();
    for (const [appVersionName, ids] of byName) {
      const ref = parseAppVersionName(appVersionName);
      if (!ref) throw notFound(`app version ${appVersionName} not found`);
      endpoints.set(ref, ids);
    }
    return this.configs.putBatch(tenantId, name, document, endpoints);
  }
}
