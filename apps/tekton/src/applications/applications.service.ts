import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, QueryFailedError, type EntityManager } from 'typeorm';
import { badRequest, conflict, notFound, pageFigures, type Page, type PageRequest } from '@kaa/server';
import type { ChangeContext } from '../common/change-context.js';
import { TektonLimits } from '../common/limits.js';
import { ConfigRevision } from '../configs/config-revision.entity.js';
import { ServiceConfig } from '../configs/service-config.entity.js';
import { ChangeAnnouncer } from '../messaging/change-announcer.js';
import { ScmpNotices, type NoticeScope } from '../messaging/scmp-notices.js';
import { AppVersion } from './app-version.entity.js';
import { Application } from './application.entity.js';
import type { CreateApplicationDto, CreateAppVersionDto, UpdateApplicationDto, UpdateAppVersionDto } from './dto/application.dto.js';
import { generateAppName, nameKey, versionName } from './names.js';

export interface VersionView {
  name: string;
  nameSuffix: string;
  applicationName: string;
  displayName?: string;
  description?: string;
  createdDate: string;
  updatedDate: string;
}

export interface ApplicationView {
  name: string;
  displayName?: string;
  description?: string;
  createdDate: string;
  updatedDate: string;
  versions: VersionView[];
}

/** Row lock taken by a lookup: FOR SHARE or FOR UPDATE, held until the transaction ends. */
export type RowLock = 'share' | 'update';
const lockOption = (lock: RowLock | undefined) => (lock ? { lock: { mode: lock === 'share' ? ('pessimistic_read' as const) : ('pessimistic_write' as const) } } : {});

const UNIQUE_VIOLATION = '23505';
const isUniqueViolation = (error: unknown) => error instanceof QueryFailedError && (error.driverError as { code?: string }).code === UNIQUE_VIOLATION;

/** Applications and app versions of a tenant; every change is announced by broadcast. */
@Injectable()
export class ApplicationsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly notices: ScmpNotices,
    private readonly announcer: ChangeAnnouncer,
    private readonly limits: TektonLimits,
  ) {}

  /** Page sizes of the lists: by default a whole tenant's (bounded by the creation limits). */
  get listPages() {
    return {
      applications: { defaultSize: this.limits.applicationsPerTenant, maxSize: this.limits.applicationsPerTenant },
      versions: { defaultSize: this.limits.versionsPerApplication, maxSize: this.limits.versionsPerApplication },
    };
  }

  async list(tenantId: string, request: PageRequest): Promise<Page<ApplicationView>> {
    const [apps, total] = await this.dataSource.getRepository(Application).findAndCount({ where: { tenantId }, order: { name: 'ASC' }, skip: request.offset, take: request.size });
    const versions = apps.length ? await this.dataSource.getRepository(AppVersion).find({ where: { applicationId: In(apps.map((a) => a.id)) }, order: { name: 'ASC' } }) : [];
    return { content: apps.map((app) => renderApp(app, versions.filter((v) => v.applicationId === app.id))), figures: pageFigures(request, total) };
  }

  async get(tenantId: string, name: string): Promise<ApplicationView> {
    const app = await this.findApp(this.dataSource.manager, tenantId, name);
    return renderApp(app, await this.versionsOf(this.dataSource.manager, app));
  }

  /**
   * The application of `tenantId` (any tenant when null), else 404: other tenants' names never leak.
   * `lock`: 'update' for changes of the application itself (and its removal); 'share' for writers
   * of what hangs off it (configs), so they wait for a removal in progress and then find nothing.
   */
  async findApp(manager: EntityManager, tenantId: string | null, name: string, lock?: RowLock): Promise<Application> {
    const app = await manager.getRepository(Application).findOne({ where: tenantId === null ? { name } : { tenantId, name }, ...lockOption(lock) });
    if (!app) throw notFound(`application ${name} not found`);
    return app;
  }

  async findVersion(manager: EntityManager, app: Application, name: string, lock?: RowLock): Promise<AppVersion> {
    const version = await manager.getRepository(AppVersion).findOne({ where: { applicationId: app.id, name }, ...lockOption(lock) });
    if (!version) throw notFound(`application version ${name} not found`);
    return version;
  }

  async create(ctx: ChangeContext, dto: CreateApplicationDto): Promise<ApplicationView> {
    for (let attempt = 0; ; attempt++) {
      const name = dto.name ?? generateAppName();
      try {
        return await this.dataSource.transaction(async (manager) => {
          const repo = manager.getRepository(Application);
          if (await repo.existsBy({ nameKey: nameKey(name) })) throw conflict(`application name ${name} is taken`);
          // Serializes the tenant's creations, so concurrent ones cannot pass the limit together.
          await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`tekton:applications:${ctx.user.tenantId}`]);
          const count = await repo.countBy({ tenantId: ctx.user.tenantId });
          if (count >= this.limits.applicationsPerTenant) {
            throw conflict(`the tenant has ${count} applications, the most allowed (${this.limits.applicationsPerTenant}); delete one first`);
          }
          const app = await repo.save(
            repo.create({ tenantId: ctx.user.tenantId, name, nameKey: nameKey(name), displayName: dto.displayName ?? null, description: dto.description ?? null }),
          );
          await this.announceApp(manager, ctx, app, 'upsert', 'created');
          return renderApp(app, []);
        });
      } catch (error) {
        // Two creations racing for one name: the unique index decides; generated names retry.
        if (!isUniqueViolation(error)) throw error;
        if (dto.name || attempt >= 3) throw conflict(`application name ${name} is taken`);
      }
    }
  }

  async update(ctx: ChangeContext, name: string, dto: UpdateApplicationDto): Promise<ApplicationView> {
    if (dto.name !== undefined && dto.name !== name) throw badRequest('an application cannot be renamed: name must equal the path');
    return this.dataSource.transaction(async (manager) => {
      const app = await this.findApp(manager, ctx.user.tenantId, name, 'update');
      if (dto.displayName !== undefined) app.displayName = dto.displayName;
      if (dto.description !== undefined) app.description = dto.description;
      app.updatedDate = new Date();
      await manager.getRepository(Application).save(app);
      await this.announceApp(manager, ctx, app, 'upsert', 'updated');
      return renderApp(app, await this.versionsOf(manager, app));
    });
  }

  /** Removes the application with its versions, configurations and their history. */
  async remove(ctx: ChangeContext, name: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const app = await this.findApp(manager, ctx.user.tenantId, name, 'update');
      const instances = await this.dropConfigs(manager, { tenantId: app.tenantId, appName: app.name });
      await manager.getRepository(Application).delete({ id: app.id });
      const scope: NoticeScope = { tenantId: app.tenantId, appName: app.name };
      await this.announcer.announce(
        manager,
        ctx,
        [this.notices.broadcast('delete', scope, ctx.correlationId), ...instances.map((i) => this.notices.targeted(i, 'delete', scope, ctx.correlationId))],
        [{ type: 'application.deleted', tenantId: app.tenantId, application: app.name, summary: `application ${app.name} deleted by ${ctx.author}` }],
      );
    });
  }

  async listVersions(tenantId: string, appName: string, request: PageRequest): Promise<Page<VersionView>> {
    const app = await this.findApp(this.dataSource.manager, tenantId, appName);
    const [versions, total] = await this.dataSource
      .getRepository(AppVersion)
      .findAndCount({ where: { applicationId: app.id }, order: { name: 'ASC' }, skip: request.offset, take: request.size });
    return { content: versions.map((v) => renderVersion(v, app)), figures: pageFigures(request, total) };
  }

  async getVersion(tenantId: string, appName: string, name: string): Promise<VersionView> {
    const app = await this.findApp(this.dataSource.manager, tenantId, appName);
    return renderVersion(await this.findVersion(this.dataSource.manager, app, name), app);
  }

  async createVersion(ctx: ChangeContext, appName: string, dto: CreateAppVersionDto): Promise<VersionView> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const app = await this.findApp(manager, ctx.user.tenantId, appName, 'update');
        const name = versionName(app.name, dto.nameSuffix);
        const repo = manager.getRepository(AppVersion);
        if (await repo.existsBy({ nameKey: nameKey(name) })) throw conflict(`application version name ${name} is taken`);
        // The application's row lock (taken above) serializes its version creations.
        const count = await repo.countBy({ applicationId: app.id });
        if (count >= this.limits.versionsPerApplication) {
          throw conflict(`application ${app.name} has ${count} versions, the most allowed (${this.limits.versionsPerApplication}); delete one first`);
        }
        const version = await repo.save(
          repo.create({
            applicationId: app.id,
            tenantId: app.tenantId,
            name,
            nameKey: nameKey(name),
            nameSuffix: dto.nameSuffix,
            displayName: dto.displayName ?? null,
            description: dto.description ?? null,
          }),
        );
        await this.announceVersion(manager, ctx, app, version, 'upsert', 'created');
        return renderVersion(version, app);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`application version name ${versionName(appName, dto.nameSuffix)} is taken`);
      throw error;
    }
  }

  async updateVersion(ctx: ChangeContext, appName: string, name: string, dto: UpdateAppVersionDto): Promise<VersionView> {
    if (dto.name !== undefined && dto.name !== name) throw badRequest('an application version cannot be renamed: name must equal the path');
    if (dto.applicationName !== undefined && dto.applicationName !== appName) throw badRequest('applicationName must equal the path');
    return this.dataSource.transaction(async (manager) => {
      const app = await this.findApp(manager, ctx.user.tenantId, appName, 'update');
      const version = await this.findVersion(manager, app, name);
      if (dto.displayName !== undefined) version.displayName = dto.displayName;
      if (dto.description !== undefined) version.description = dto.description;
      version.updatedDate = new Date();
      await manager.getRepository(AppVersion).save(version);
      await this.announceVersion(manager, ctx, app, version, 'upsert', 'updated');
      return renderVersion(version, app);
    });
  }

  async removeVersion(ctx: ChangeContext, appName: string, name: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const app = await this.findApp(manager, ctx.user.tenantId, appName, 'update');
      const version = await this.findVersion(manager, app, name);
      const instances = await this.dropConfigs(manager, { tenantId: app.tenantId, appName: app.name, appVersionName: version.name });
      await manager.getRepository(AppVersion).delete({ id: version.id });
      await this.announceVersion(manager, ctx, app, version, 'delete', 'deleted', instances);
    });
  }

  private versionsOf(manager: EntityManager, app: Application) {
    return manager.getRepository(AppVersion).find({ where: { applicationId: app.id }, order: { name: 'ASC' } });
  }

  /** Deletes configs and revisions under an app (or one version); returns the instances that had configs. */
  private async dropConfigs(manager: EntityManager, where: { tenantId: string; appName: string; appVersionName?: string }): Promise<string[]> {
    const configs = await manager.getRepository(ServiceConfig).find({ where });
    await manager.getRepository(ServiceConfig).delete(where);
    await manager.getRepository(ConfigRevision).delete(where);
    return [...new Set(configs.map((c) => c.serviceInstance))].sort();
  }

  private async announceApp(manager: EntityManager, ctx: ChangeContext, app: Application, action: 'upsert', verb: string) {
    await this.announcer.announce(
      manager,
      ctx,
      [this.notices.broadcast(action, { tenantId: app.tenantId, appName: app.name }, ctx.correlationId)],
      [{ type: 'application.upserted', tenantId: app.tenantId, application: app.name, summary: `application ${app.name} ${verb} by ${ctx.author}` }],
    );
  }

  private async announceVersion(
    manager: EntityManager,
    ctx: ChangeContext,
    app: Application,
    version: AppVersion,
    action: 'upsert' | 'delete',
    verb: string,
    instances: string[] = [],
  ) {
    const scope: NoticeScope = { tenantId: app.tenantId, appName: app.name, appVersionName: version.name };
    await this.announcer.announce(
      manager,
      ctx,
      [this.notices.broadcast(action, scope, ctx.correlationId), ...instances.map((i) => this.notices.targeted(i, 'delete', scope, ctx.correlationId))],
      [
        {
          type: action === 'upsert' ? 'app-version.upserted' : 'app-version.deleted',
          tenantId: app.tenantId,
          application: app.name,
          appVersion: version.name,
          summary: `application version ${version.name} ${verb} by ${ctx.author}`,
        },
      ],
    );
  }
}

const iso = (date: Date) => new Date(date).toISOString();
const optional = (value: string | null) => value ?? undefined;

export function renderVersion(version: AppVersion, app: Application): VersionView {
  return {
    name: version.name,
    nameSuffix: version.nameSuffix,
    applicationName: app.name,
    displayName: optional(version.displayName),
    description: optional(version.description),
    createdDate: iso(version.createdDate),
    updatedDate: iso(version.updatedDate),
  };
}

export function renderApp(app: Application, versions: AppVersion[]): ApplicationView {
  return {
    name: app.name,
    displayName: optional(app.displayName),
    description: optional(app.description),
    createdDate: iso(app.createdDate),
    updatedDate: iso(app.updatedDate),
    versions: versions.map((v) => renderVersion(v, app)),
  };
}
