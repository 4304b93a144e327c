import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Gauge } from 'prom-client';
import { AppConfigSource, TektonConfigClient, type AppOwners, type ConfigChange } from '@kaa/tekton-client';
import { LOGGER, MetricsService, type Logger } from '@kaa/observability';
import { notFound } from '@kaa/server';
import { parseAppVersionName, type AppVersionRef } from '../configs/config-keys.js';
import { TenantScope } from './tenant-scope.js';

/** Tables whose rows carry the tenant that wrote them. */
const TENANT_TABLES = ['default_config', 'endpoint_config', 'config_status'] as const;

export type ForeignReason = 'other_tenant' | 'no_owner';

/**
 * Who owns each app version, from the app registry (Tekton's `GET /bulk`, refreshed on its
 * 17/SCMP notices and NATS reconnects) or from `APP_CONFIG_FILE` (`kaa.applications.{app}.tenantId`).
 * Only the owner's rows of a version are ever read, served or changed; rows another tenant wrote
 * (before ownership came from the registry) are counted at start and otherwise left alone.
 */
@Injectable()
export class OwnershipService implements OnApplicationBootstrap, OnModuleDestroy {
  private owners: AppOwners;
  private readonly unsubscribe: () => void;
  private readonly foreignRows: Gauge<'table' | 'reason'>;

  constructor(
    private readonly source: AppConfigSource,
    @Inject(TenantScope) private readonly scope: TenantScope,
    @InjectDataSource() private readonly dataSource: DataSource,
    metrics: MetricsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.owners = source.owners();
    this.foreignRows = new Gauge({
      name: 'ecr_foreign_rows',
      help: 'Rows whose tenant is not the owner of their app version (other_tenant) or whose version nobody owns (no_owner); never served',
      labelNames: ['table', 'reason'] as const,
      registers: [metrics.registry],
    });
    this.unsubscribe = source.onChange((change) => this.changed(change));
  }

  async onApplicationBootstrap() {
    // Tekton's first read reports itself as a change; a file (or nothing) was read before we were built.
    if (!(this.source instanceof TektonConfigClient)) await this.reportForeignRows();
  }

  onModuleDestroy() {
    this.unsubscribe();
  }

  /** The tenant owning the version, or undefined when the registry does not know it. */
  ownerOf(appVersionName: string): string | undefined {
    if (this.owners.versions) return this.owners.versions[appVersionName];
    const ref = parseAppVersionName(appVersionName);
    return ref ? this.owners.applications[ref.appName] : undefined;
  }

  /** The tenant owning the application, or undefined when the registry does not know it. */
  applicationOwner(appName: string): string | undefined {
    return Object.hasOwn(this.owners.applications, appName) ? this.owners.applications[appName] : undefined;
  }

  /** REST: 404 unless the caller's tenant owns the version (unknown versions included). */
  assertOwner(tenantId: string, ref: AppVersionRef): void {
    if (this.ownerOf(ref.appVersionName) !== tenantId) throw notFound(`app version ${ref.appVersionName} not found`);
  }

  /** 6/CDTP, ConfigApplied, 9/ELCE: the owner whose rows to use, if this instance serves it. */
  servedOwner(appVersionName: string): string | undefined {
    const owner = this.ownerOf(appVersionName);
    return owner !== undefined && this.scope.allows(owner) ? owner : undefined;
  }

  /** The applications the tenant owns (their versions are `{app}-{suffix}`). */
  applicationsOf(tenantId: string): string[] {
    return Object.entries(this.owners.applications)
      .filter(([, owner]) => owner === tenantId)
      .map(([app]) => app);
  }

  /** Counts rows not written by their version's owner; a warning when there are any. */
  async reportForeignRows(): Promise<Record<string, Record<ForeignReason, number>>> {
    const report: Record<string, Record<ForeignReason, number>> = {};
    for (const table of TENANT_TABLES) {
      const groups: { appVersionName: string; tenantId: string; rows: number }[] = await this.dataSource.query(
        `SELECT app_version_name AS "appVersionName", tenant_id AS "tenantId", count(*)::int AS rows FROM ${table} GROUP BY 1, 2`,
      );
      const counts: Record<ForeignReason, number> = { other_tenant: 0, no_owner: 0 };
      for (const group of groups) {
        const owner = this.ownerOf(group.appVersionName);
        if (owner === undefined) counts.no_owner += group.rows;
        else if (owner !== group.tenantId) counts.other_tenant += group.rows;
      }
      for (const reason of Object.keys(counts) as ForeignReason[]) this.foreignRows.set({ table, reason }, counts[reason]);
      report[table] = counts;
    }
    if (Object.values(report).some((counts) => counts.other_tenant + counts.no_owner > 0)) {
      this.logger.warn(
        { foreignRows: report },
        'rows not written by the owner of their app version (or of versions nobody owns): never served; remove them or fix the owners',
      );
    }
    return report;
  }

  private changed(change: ConfigChange) {
    this.owners = this.source.owners();
    if (change.scope !== 'all') return;
    this.reportForeignRows().catch((error: Error) => this.logger.error({ err: error.message }, 'counting foreign rows failed'));
  }
}
