import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import type { AuthUser } from '@kaa/auth';
import { badRequest, notFound } from '@kaa/server';
import { AppVersion } from '../applications/app-version.entity.js';
import { Application } from '../applications/application.entity.js';
import { PlatformTenant, readsAllTenants } from '../common/access.js';
import { scopeKey } from '../configs/configs.service.js';
import { ServiceConfig } from '../configs/service-config.entity.js';
import { ServiceInstanceRegistry } from '../service-instances/service-instance.registry.js';

/** What `include` may add to the export. */
export const BULK_INCLUDES = ['configs'] as const;
export type BulkInclude = (typeof BULK_INCLUDES)[number];

export interface BulkQuery {
  serviceInstanceName?: string;
  appName?: string;
  tenantId?: string;
  include: string[];
}

export interface BulkVersion {
  name: string;
  nameSuffix: string;
  /** With `include=configs`: the version's config for `serviceInstanceName`, `{}` when none is stored. */
  config?: Record<string, unknown>;
}

export interface BulkApplication {
  name: string;
  displayName?: string;
  versions: BulkVersion[];
  /** With `include=configs`: the application's config for `serviceInstanceName`, `{}` when none is stored. */
  config?: Record<string, unknown>;
}

export interface BulkExport {
  tenants: { tenantId: string; applications: BulkApplication[] }[];
}

/**
 * The registry export: every visible tenant with its applications and versions (who owns what),
 * for consumers that serve several tenants (ECR). Visibility as the full config export.
 */
@Injectable()
export class BulkService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(PlatformTenant) private readonly platform: PlatformTenant,
    private readonly registry: ServiceInstanceRegistry,
  ) {}

  async export(user: AuthUser, query: BulkQuery): Promise<BulkExport> {
    const unknown = query.include.filter((value) => !(BULK_INCLUDES as readonly string[]).includes(value));
    if (unknown.length > 0) throw badRequest(`unknown include ${unknown.join(', ')}: one of ${BULK_INCLUDES.join(', ')}`);
    const withConfigs = query.include.includes('configs');
    if (withConfigs && query.serviceInstanceName === undefined) throw badRequest('include=configs needs serviceInstanceName');
    const instance = query.serviceInstanceName === undefined ? undefined : this.registry.require(query.serviceInstanceName).name;
    const tenant = this.visibleTenant(user, query.tenantId);

    const manager = this.dataSource.manager;
    const apps = await manager.getRepository(Application).find({
      where: { ...(tenant === null ? {} : { tenantId: tenant }), ...(query.appName === undefined ? {} : { name: query.appName }) },
      order: { tenantId: 'ASC', name: 'ASC' },
    });
    if (query.appName !== undefined && apps.length === 0) throw notFound(`application ${query.appName} not found`);
    const appIds = apps.map((a) => a.id);
    const versions = appIds.length ? await manager.getRepository(AppVersion).find({ where: { applicationId: In(appIds) }, order: { name: 'ASC' } }) : [];
    const configs =
      withConfigs && instance !== undefined && appIds.length > 0
        ? await manager.getRepository(ServiceConfig).find({
            where: { serviceInstance: instance, level: In(['application', 'app-version']), tenantId: In([...new Set(apps.map((a) => a.tenantId))]) },
          })
        : [];
    const stored = new Map(configs.map((c) => [c.scopeKey, c.config]));
    const configOf = (key: string) => (withConfigs ? { config: stored.get(key) ?? {} } : {});

    const tenants = new Map<string, BulkApplication[]>();
    for (const app of apps) {
      const entry: BulkApplication = {
        name: app.name,
        ...(app.displayName === null ? {} : { displayName: app.displayName }),
        versions: versions
          .filter((v) => v.applicationId === app.id)
          .map((v) => ({
            name: v.name,
            nameSuffix: v.nameSuffix,
            ...configOf(scopeKey({ level: 'app-version', tenantId: app.tenantId, appName: app.name, appVersionName: v.name })),
          })),
        ...configOf(scopeKey({ level: 'application', tenantId: app.tenantId, appName: app.name, appVersionName: null })),
      };
      tenants.set(app.tenantId, [...(tenants.get(app.tenantId) ?? []), entry]);
    }
    return { tenants: [...tenants].map(([tenantId, applications]) => ({ tenantId, applications })) };
  }

  /** null: every tenant (platform service accounts); else the caller's own (another named: 404). */
  private visibleTenant(user: AuthUser, tenantId: string | undefined): string | null {
    if (readsAllTenants(user, this.platform)) return tenantId ?? null;
    if (tenantId !== undefined && tenantId !== user.tenantId) throw notFound('tenant not found');
    return user.tenantId;
  }
}
