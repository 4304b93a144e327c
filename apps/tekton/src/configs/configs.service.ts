import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import fastJsonPatch from 'fast-json-patch';
import { DataSource, In, type EntityManager, type FindOptionsWhere } from 'typeorm';
import type { AuthUser } from '@kaa/auth';
import { queryPrepared, quoteIdent, schemaOf } from '@kaa/persistence';
import { DomainError, badRequest, conflict, notFound, pageFigures, validationFailed, type Page, type PageRequest, type Violation } from '@kaa/server';
import { AppVersion } from '../applications/app-version.entity.js';
import { Application } from '../applications/application.entity.js';
import { ApplicationsService, type RowLock } from '../applications/applications.service.js';
import type { ChangeContext } from '../common/change-context.js';
import { PlatformTenant, readsAllTenants } from '../common/access.js';
import { TektonLimits } from '../common/limits.js';
import type { PlatformEventType } from '../events/platform-event.js';
import { ChangeAnnouncer, type EventDraft } from '../messaging/change-announcer.js';
import { ScmpNotices, type NoticeScope } from '../messaging/scmp-notices.js';
import type { ConfigLevel } from '../service-instances/service-instance.js';
import { ServiceInstanceRegistry } from '../service-instances/service-instance.registry.js';
import { appDocument, isObject, type AppEntry, readAppDocument, readTenantDocument, tenantDocument, type Json } from './config-documents.js';
import { ConfigRevision } from './config-revision.entity.js';
import { mergePatch } from './merge-patch.js';
import { ServiceConfig } from './service-config.entity.js';

const { compare } = fastJsonPatch;

/** Which configuration: one instance's config at one level. */
export interface ConfigTarget {
  instance: string;
  level: ConfigLevel;
  tenantId: string;
  appName: string | null;
  appVersionName: string | null;
}

interface ConfigWrite {
  target: ConfigTarget;
  config: Json;
  rolledBackFrom?: number;
  /** Store only if the stored revision is still this one (0: none stored); else StaleWrite. */
  expectedRevision?: number;
}

/** An application by tenant and name (the fields of a config's target that name it). */
type AppRef = Pick<Application, 'tenantId' | 'name'>;

interface WriteOptions {
  /** Skip configs equal to the stored ones (bulk load). */
  skipUnchanged?: boolean;
  /** Find and share-lock this application in the first store statement; 404 when it is gone. */
  app?: AppRef;
}

/** A read-modify-write whose read is no longer current: read again. */
class StaleWrite extends Error {}

export interface RevisionView {
  revision: number;
  createdDate: string;
  author: string;
  sourceRevision?: string;
  source?: string;
  rolledBackFrom?: number;
  config: Json;
  /** RFC 6902 operations turning the previous revision's config into this one; null when omitted. */
  diff: unknown[] | null;
  /** Why `diff` is null: it was larger than TEKTON_HISTORY_DIFF_MAX_BYTES. */
  diffOmitted?: string;
}


export const scopeKey = (t: Pick<ConfigTarget, 'level' | 'tenantId' | 'appName' | 'appVersionName'>) =>
  t.level === 'tenant' ? `tenant:${t.tenantId}` : t.level === 'application' ? `application:${t.appName}` : `app-version:${t.appVersionName}`;

const EVENT_TYPE: Record<ConfigLevel, PlatformEventType> = {
  application: 'app-config.changed',
  'app-version': 'app-version-config.changed',
  tenant: 'tenant-config.changed',
};

const noticeScope = (t: ConfigTarget): NoticeScope =>
  t.appName === null ? { tenantId: t.tenantId } : t.appVersionName === null ? { tenantId: t.tenantId, appName: t.appName } : { tenantId: t.tenantId, appName: t.appName, appVersionName: t.appVersionName };

/** Where to find the revisions of a config: its instance and scope, and only its tenant's. */
const revisionsOf = (t: ConfigTarget): FindOptionsWhere<ConfigRevision> => ({ serviceInstance: t.instance, scopeKey: scopeKey(t), tenantId: t.tenantId });

function revisionView(r: ConfigRevision, previous: Json, maxDiffBytes: number): RevisionView {
  const diff = compare(previous, r.config);
  const diffBytes = Buffer.byteLength(JSON.stringify(diff));
  return {
    revision: r.revision,
    createdDate: new Date(r.createdDate).toISOString(),
    author: r.author,
    ...(r.sourceRevision ? { sourceRevision: r.sourceRevision } : {}),
    ...(r.source ? { source: r.source } : {}),
    ...(r.rolledBackFrom !== null ? { rolledBackFrom: r.rolledBackFrom } : {}),
    config: r.config,
    ...(diffBytes > maxDiffBytes ? { diff: null, diffOmitted: `diff omitted: ${diffBytes} bytes, larger than ${maxDiffBytes}` } : { diff }),
  };
}

const describeTarget = (t: ConfigTarget) =>
  t.level === 'tenant' ? `tenant ${t.tenantId}` : t.level === 'application' ? `application ${t.appName}` : `application version ${t.appVersionName}`;

const lockKey = (target: ConfigTarget) => `tekton:config:${target.instance}:${scopeKey(target)}`;

/** The platform event of a stored config but for its revision: the summary stops right before it. */
const changeEvent = (target: ConfigTarget, rolledBackFrom: number | undefined, id: string, author: string): EventDraft => ({
  id,
  type: EVENT_TYPE[target.level],
  tenantId: target.tenantId,
  ...(target.appName ? { application: target.appName } : {}),
  ...(target.appVersionName ? { appVersion: target.appVersionName } : {}),
  serviceInstance: target.instance,
  summary: `${target.instance} configuration of ${describeTarget(target)} ${rolledBackFrom ? `rolled back to revision ${rolledBackFrom}` : 'changed'} by ${author} (revision `,
});
/** What follows the revision in the summary. */
const SUMMARY_TAIL = ')';

/**
 * Application, app-version and tenant configurations per service instance: validated against the
 * instance's schema, kept as revisions, announced by targeted 17/SCMP notices.
 */
@Injectable()
export class ConfigsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: ServiceInstanceRegistry,
    private readonly applications: ApplicationsService,
    private readonly notices: ScmpNotices,
    private readonly announcer: ChangeAnnouncer,
    private readonly platform: PlatformTenant,
    private readonly limits: TektonLimits,
  ) {}

  // ---- application and app-version configs -------------------------------------------------

  async putAppConfig(ctx: ChangeContext, appName: string, body: unknown): Promise<Json> {
    const entries = readAppDocument(body);
    this.requireNonEmpty(entries.length);
    const violations: Violation[] = entries.flatMap((e) =>
      e.appName !== appName
        ? [{ pointer: e.at, message: `must be keyed by the application in the path (${appName})` }]
        : e.versions.length > 0
          ? [{ pointer: `${e.at}/versions`, message: 'app-version configs go to /app-configs/applications/{app}/app-versions/{version}' }]
          : [],
    );
    this.throwIf(violations);
    const app = { tenantId: ctx.user.tenantId, name: appName };
    if (entries.length === 1) {
      const alone = await this.putAlone(ctx, app, entries[0]);
      if (alone) return alone;
    }
    return this.dataSource.transaction(async (manager) => {
      let writes: (ConfigWrite & { at: string })[];
      try {
        writes = entries.map((e) => ({ target: this.appTarget(e.instance, app), config: e.appConfig ?? {}, at: e.at }));
        this.validate(writes);
      } catch (error) {
        // A missing application is told before anything about the body.
        await this.applications.findApp(manager, app.tenantId, app.name);
        throw error;
      }
      // The statement storing the first config looks the application up (and locks it).
      await this.write(manager, ctx, writes, { app });
      // What was stored is what was written: no need to read it back.
      return appDocument(Object.fromEntries(writes.map((w) => [w.target.instance, { [app.name]: w.config }])));
    });
  }

  async putVersionConfig(ctx: ChangeContext, appName: string, versionName: string, body: unknown): Promise<Json> {
    const entries = readAppDocument(body);
    this.requireNonEmpty(entries.length);
    const violations: Violation[] = [];
    for (const e of entries) {
      if (e.appName !== appName) violations.push({ pointer: e.at, message: `must be keyed by the application in the path (${appName})` });
      else if (e.appConfig && Object.keys(e.appConfig).length > 0) violations.push({ pointer: e.at, message: 'application-level keys go to /app-configs/applications/{app}' });
      else if (e.versions.length !== 1 || e.versions[0].name !== versionName) violations.push({ pointer: `${e.at}/versions`, message: `must hold exactly the version in the path (${versionName})` });
    }
    this.throwIf(violations);
    return this.dataSource.transaction(async (manager) => {
      const app = await this.applications.findApp(manager, ctx.user.tenantId, appName, 'share');
      const version = await this.applications.findVersion(manager, app, versionName, 'share');
      const writes = entries.map((e) => ({ target: this.versionTarget(e.instance, app, version), config: e.versions[0].config, at: e.versions[0].at }));
      this.validate(writes);
      await this.write(manager, ctx, writes);
      return appDocument(Object.fromEntries(writes.map((w) => [w.target.instance, { [app.name]: { versions: { [version.name]: w.config } } }])));
    });
  }

  async patchAppConfig(ctx: ChangeContext, appName: string, instance: string | undefined, patch: unknown): Promise<Json> {
    const name = this.requireInstanceParam(instance);
    return this.dataSource.transaction(async (manager) => {
      const app = await this.applications.findApp(manager, ctx.user.tenantId, appName, 'share');
      const target = this.appTarget(name, app);
      await this.patch(manager, ctx, target, unwrapPatch(patch, name, ['applications', appName]));
      return this.readAppLevel(manager, app, [name]);
    });
  }

  async patchVersionConfig(ctx: ChangeContext, appName: string, versionName: string, instance: string | undefined, patch: unknown): Promise<Json> {
    const name = this.requireInstanceParam(instance);
    return this.dataSource.transaction(async (manager) => {
      const app = await this.applications.findApp(manager, ctx.user.tenantId, appName, 'share');
      const version = await this.applications.findVersion(manager, app, versionName, 'share');
      await this.patch(manager, ctx, this.versionTarget(name, app, version), unwrapPatch(patch, name, ['applications', appName, 'versions', versionName]));
      return this.readVersionLevel(manager, app, version, [name]);
    });
  }

  async getAppConfig(user: AuthUser, appName: string, instance: string | undefined): Promise<Json> {
    const manager = this.dataSource.manager;
    const app = await this.applications.findApp(manager, this.readTenant(user), appName);
    return this.readAppLevel(manager, app, instance === undefined ? undefined : [this.registry.require(instance).name]);
  }

  async getVersionConfig(user: AuthUser, appName: string, versionName: string, instance: string | undefined): Promise<Json> {
    const manager = this.dataSource.manager;
    const app = await this.applications.findApp(manager, this.readTenant(user), appName);
    const version = await this.applications.findVersion(manager, app, versionName);
    return this.readVersionLevel(manager, app, version, instance === undefined ? undefined : [this.registry.require(instance).name]);
  }

  /** Full export: every visible application and version, per instance, `{}` where nothing is stored. */
  async exportAppConfigs(user: AuthUser, instances: string[], tenantId: string | undefined): Promise<Json> {
    const names = instances.length > 0 ? instances.map((i) => this.registry.require(i).name) : this.registry.list().map((i) => i.name);
    const tenant = this.exportTenant(user, tenantId);
    const manager = this.dataSource.manager;
    const apps = await manager.getRepository(Application).find({ where: tenant === null ? {} : { tenantId: tenant }, order: { name: 'ASC' } });
    const appIds = apps.map((a) => a.id);
    const versions = appIds.length ? await manager.getRepository(AppVersion).find({ where: { applicationId: In(appIds) }, order: { name: 'ASC' } }) : [];
    const configs = await manager.getRepository(ServiceConfig).find({
      where: { serviceInstance: In(names), level: In(['application', 'app-version']), ...(tenant === null ? {} : { tenantId: tenant }) },
    });
    const stored = new Map(configs.map((c) => [`${c.serviceInstance}\u0000${c.scopeKey}`, c.config]));
    const get = (instance: string, key: string) => stored.get(`${instance}\u0000${key}`) ?? {};
    const result: Record<string, Record<string, Json>> = {};
    for (const instance of names) {
      result[instance] = Object.fromEntries(
        apps.map((app) => [
          app.name,
          {
            ...get(instance, scopeKey({ level: 'application', tenantId: app.tenantId, appName: app.name, appVersionName: null })),
            versions: Object.fromEntries(
              versions.filter((v) => v.applicationId === app.id).map((v) => [v.name, get(instance, scopeKey({ level: 'app-version', tenantId: app.tenantId, appName: app.name, appVersionName: v.name }))]),
            ),
          },
        ]),
      );
    }
    return appDocument(result);
  }

  /** Bulk load of the full map in one transaction: all or nothing; unchanged configs are skipped. */
  async bulkLoad(ctx: ChangeContext, body: unknown): Promise<{ changed: number }> {
    const entries = readAppDocument(body);
    return this.dataSource.transaction(async (manager) => {
      const writes: (ConfigWrite & { at: string })[] = [];
      for (const entry of entries) {
        this.registry.require(entry.instance);
        const app = await this.applications.findApp(manager, ctx.user.tenantId, entry.appName, 'share');
        if (entry.appConfig) writes.push({ target: this.appTarget(entry.instance, app), config: entry.appConfig, at: entry.at });
        for (const v of entry.versions) {
          const version = await this.applications.findVersion(manager, app, v.name, 'share');
          writes.push({ target: this.versionTarget(entry.instance, app, version), config: v.config, at: v.at });
        }
      }
      this.validate(writes);
      return { changed: (await this.write(manager, ctx, writes, { skipUnchanged: true })).length };
    });
  }

  // ---- tenant configs -------------------------------------------------------------------------

  async putTenantConfigs(ctx: ChangeContext, body: unknown): Promise<Json> {
    const entries = readTenantDocument(body);
    this.requireNonEmpty(entries.length);
    if (entries.some((e) => e.tenantId !== ctx.user.tenantId)) throw notFound('tenant not found');
    const writes = entries.map((e) => ({ target: this.tenantTarget(this.registry.require(e.instance).name, e.tenantId), config: e.config, at: e.at }));
    this.validate(writes);
    return this.dataSource.transaction(async (manager) => {
      await this.write(manager, ctx, writes);
      return this.readTenantLevel(manager, writes.map((w) => w.target.instance), ctx.user.tenantId);
    });
  }

  async getTenantConfigs(user: AuthUser, instance: string | undefined, tenantId: string | undefined): Promise<Json> {
    const instances = instance === undefined ? undefined : [this.registry.require(instance).name];
    return this.readTenantLevel(this.dataSource.manager, instances, this.exportTenant(user, tenantId));
  }

  // ---- history ----------------------------------------------------------------------------------

  /**
   * One page of revisions, newest first, each with its diff from the revision before it: reads the
   * page and one row more (the predecessor of its oldest entry), never the whole history.
   */
  async history(user: AuthUser, target: TargetRef, request: PageRequest): Promise<Page<RevisionView>> {
    const resolved = await this.resolve(this.dataSource.manager, target, user.tenantId);
    const repo = this.dataSource.getRepository(ConfigRevision);
    const where = revisionsOf(resolved);
    const [rows, total] = await Promise.all([
      repo.find({ where, order: { revision: 'DESC' }, skip: request.offset, take: request.size + 1 }),
      repo.countBy(where),
    ]);
    const content: RevisionView[] = [];
    for (const [i, row] of rows.slice(0, request.size).entries()) {
      // Revisions are gapless: the next row is this one's predecessor; past the oldest, nothing.
      if (i > 0) await yieldToEventLoop();
      content.push(revisionView(row, rows[i + 1]?.config ?? {}, this.limits.historyDiffMaxBytes));
    }
    return { content, figures: pageFigures(request, total) };
  }

  /** Re-applies an old revision as a new one, validated and announced like any change. */
  async rollback(ctx: ChangeContext, target: TargetRef, revision: number): Promise<RevisionView> {
    return this.dataSource.transaction(async (manager) => {
      const resolved = await this.resolve(manager, target, ctx.user.tenantId, 'share');
      const revisions = manager.getRepository(ConfigRevision);
      // Old revisions never change: re-applying one is a plain write, no read-modify-write lock.
      const old = await revisions.findOne({ where: { ...revisionsOf(resolved), revision } });
      if (!old) throw notFound(`revision ${revision} not found`);
      const write = { target: resolved, config: old.config, rolledBackFrom: revision, at: '' };
      this.validate([write]);
      const [stored] = await this.write(manager, ctx, [write]);
      const [latest, previous] = await Promise.all([
        revisions.findOneOrFail({ where: { ...revisionsOf(resolved), revision: stored } }),
        revisions.findOne({ where: { ...revisionsOf(resolved), revision: stored - 1 } }),
      ]);
      return revisionView(latest, previous?.config ?? {}, this.limits.historyDiffMaxBytes);
    });
  }

  // ---- internals ------------------------------------------------------------------------------

  /**
   * One valid application config stored with its revision, notice and platform event by a single
   * statement, no transaction around it (one round trip instead of four). Undefined, with
   * nothing stored, when the body is refused: the transaction path answers (a missing
   * application is told first there).
   */
  private async putAlone(ctx: ChangeContext, app: AppRef, entry: AppEntry): Promise<Json | undefined> {
    let write: ConfigWrite & { at: string };
    try {
      write = { target: this.appTarget(entry.instance, app), config: entry.appConfig ?? {}, at: entry.at };
      this.validate([write]);
    } catch {
      return undefined;
    }
    const id = randomUUID();
    const notice = this.notices.targeted(write.target.instance, 'upsert', noticeScope(write.target), ctx.correlationId);
    const event = changeEvent(write.target, undefined, id, ctx.author);
    const run = <T>(text: string, params: unknown[]) => queryPrepared<T>(this.dataSource, text, params);
    const { revision, appFound } = await this.storeRevision(run, write, id, ctx, app, (params) =>
      this.announcer.announceItems(ctx, [notice], event, params, { from: 'revised', summaryTail: SUMMARY_TAIL, dataKey: 'configRevision' }),
    );
    if (!appFound) throw notFound(`application ${app.name} not found`);
    if (revision === null) throw notFound(`${describeTarget(write.target)} not found`);
    return appDocument({ [write.target.instance]: { [app.name]: write.config } });
  }

  private async resolve(manager: EntityManager, ref: TargetRef, tenantId: string | undefined, lock?: RowLock): Promise<ConfigTarget> {
    const instance = this.registry.require(this.requireInstanceParam(ref.instance)).name;
    if (ref.level === 'tenant') {
      const tenant = ref.tenantId ?? tenantId;
      if (!tenant) throw badRequest('tenantId is required');
      if (tenantId !== undefined && tenant !== tenantId) throw notFound('tenant not found');
      return this.tenantTarget(instance, tenant);
    }
    const app = await this.applications.findApp(manager, tenantId ?? null, ref.appName, lock);
    if (ref.level === 'application') return this.appTarget(instance, app);
    return this.versionTarget(instance, app, await this.applications.findVersion(manager, app, ref.appVersionName, lock));
  }

  /**
   * Read-modify-write: the lock orders PATCHes of one config; the row lock on the stored config
   * (and the expected-revision guard while there is none yet) keeps a concurrent PUT from being lost.
   */
  private async patch(manager: EntityManager, ctx: ChangeContext, target: ConfigTarget, patch: unknown) {
    await this.lock(manager, target);
    for (let attempt = 1; ; attempt++) {
      const current = await manager.getRepository(ServiceConfig).findOne({
        where: { serviceInstance: target.instance, scopeKey: scopeKey(target) },
        lock: { mode: 'pessimistic_write' },
      });
      if (current && current.tenantId !== target.tenantId) throw notFound(`${describeTarget(target)} not found`);
      const write = { target, config: mergePatch(current?.config ?? {}, patch) as Json, at: '', expectedRevision: current?.revision ?? 0 };
      this.validate([write]);
      try {
        await this.write(manager, ctx, [write]);
        return;
      } catch (error) {
        if (!(error instanceof StaleWrite)) throw error;
        if (attempt >= 3) throw conflict(`the configuration of ${describeTarget(target)} keeps changing; retry`);
      }
    }
  }

  /**
   * Stores each config with a revision and writes its notice and platform event; returns the
   * revisions stored (skipped ones have none). Writes go in lock-key order, so requests naming
   * the same instances in different orders take their locks in the same order (no deadlock).
   */
  private async write(manager: EntityManager, ctx: ChangeContext, writes: ConfigWrite[], options: WriteOptions = {}): Promise<number[]> {
    const stored: { write: ConfigWrite; id: string; revision: number }[] = [];
    const notice = ({ target }: ConfigWrite) => this.notices.targeted(target.instance, 'upsert', noticeScope(target), ctx.correlationId);
    // A single write stores its notice in its own statement (one round trip less per change).
    const noticeWithStore = writes.length === 1 && !options.skipUnchanged;
    const ordered = writes.map((write) => ({ write, sortKey: lockKey(write.target) })).sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
    for (const [index, { write }] of ordered.entries()) {
      const { target, config, expectedRevision } = write;
      if (options.skipUnchanged) {
        await this.lock(manager, target);
        const current = await manager.getRepository(ServiceConfig).findOne({ where: { serviceInstance: target.instance, scopeKey: scopeKey(target) } });
        if (compare(current?.config ?? {}, config).length === 0) continue;
      }
      const id = randomUUID();
      const lockApp = index === 0 ? options.app : undefined;
      const announce = noticeWithStore ? (params: unknown[]) => [this.announcer.noticesItem('announced', [notice(write)], params, 'EXISTS (SELECT 1 FROM stored)')] : undefined;
      const { revision, appFound } = await this.storeRevision((text, params) => manager.query(text, params), write, id, ctx, lockApp, announce);
      if (!appFound) throw notFound(`application ${lockApp?.name} not found`);
      if (revision === null) {
        if (expectedRevision !== undefined) throw new StaleWrite();
        // The stored row is another tenant's (left by an application removed meanwhile): not this one's to overwrite.
        throw notFound(`${describeTarget(target)} not found`);
      }
      stored.push({ write, id, revision });
    }
    // Announced in the order of the request, whatever order the locks were taken in.
    stored.sort((a, b) => writes.indexOf(a.write) - writes.indexOf(b.write));
    const notices = noticeWithStore ? [] : stored.map(({ write }) => notice(write));
    const events: EventDraft[] = stored.map(({ write: { target, rolledBackFrom }, id, revision }) => {
      const event = changeEvent(target, rolledBackFrom, id, ctx.author);
      return { ...event, summary: `${event.summary}${revision}${SUMMARY_TAIL}`, data: { configRevision: revision } };
    });
    await this.announcer.announce(manager, ctx, notices, events);
    return stored.map((s) => s.revision);
  }

  private table(name: string) {
    return `${quoteIdent(schemaOf(this.dataSource))}.${name}`;
  }

  /**
   * Stores the config as its next revision and records that revision, in one statement, with
   * what `announce` adds to it (WITH items that may read `stored` and `revised`); returns the
   * revision's number. Concurrent writers of one config serialize on the upsert's row lock.
   * Revision null (nothing stored, nothing announced) when the stored row belongs to another
   * tenant, or when `expectedRevision` is given and the stored revision (0: none) is no longer
   * that. With `lockApp`, the same statement finds and share-locks the application (as
   * ApplicationsService.findApp does) and stores nothing if it is gone. `run` sends the
   * statement: in the caller's transaction, or on its own.
   */
  private async storeRevision(
    run: <T>(text: string, params: unknown[]) => Promise<T[]>,
    write: ConfigWrite,
    id: string,
    ctx: ChangeContext,
    lockApp: AppRef | undefined,
    announce?: (params: unknown[]) => string[],
  ): Promise<{ revision: number | null; appFound: boolean }> {
    const { target, config, rolledBackFrom, expectedRevision } = write;
    const params: unknown[] = [
      target.instance, target.level, target.tenantId, target.appName, target.appVersionName, scopeKey(target), JSON.stringify(config),
      id, ctx.author, ctx.revision ?? null, ctx.source ?? null, rolledBackFrom ?? null, expectedRevision ?? null,
    ];
    const app = lockApp
      ? `SELECT 1 FROM ${this.table('application')} WHERE tenant_id = $${params.push(lockApp.tenantId)}::text AND name = $${params.push(lockApp.name)}::text FOR SHARE`
      : 'SELECT 1';
    const items = announce?.(params) ?? [];
    const [row] = await run<{ revision: number | null; app_found: boolean }>(
      `WITH app AS (${app}),
       stored AS (
         INSERT INTO ${this.table('service_config')}
           (service_instance, level, tenant_id, app_name, app_version_name, scope_key, config, revision)
         SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::jsonb, 1 FROM app
         ON CONFLICT (service_instance, scope_key)
         DO UPDATE SET config = EXCLUDED.config, revision = service_config.revision + 1, updated_date = now()
         WHERE service_config.tenant_id = EXCLUDED.tenant_id AND ($13::int IS NULL OR service_config.revision = $13::int)
         RETURNING revision),
       revised AS (
         INSERT INTO ${this.table('config_revision')}
           (id, service_instance, level, tenant_id, app_name, app_version_name, scope_key, revision, config, author, source_revision, source, rolled_back_from)
         SELECT $8::uuid, $1, $2, $3, $4, $5, $6, stored.revision, $7, $9::text, $10::text, $11::text, $12::int FROM stored
         RETURNING revision)${items.map((item) => `,\n       ${item}`).join('')}
       SELECT (SELECT revision FROM revised) AS revision, EXISTS (SELECT 1 FROM app) AS app_found`,
      params,
    );
    return { revision: row.revision, appFound: row.app_found };
  }

  /** Serializes writers of one configuration (revision numbers stay gapless and ordered). */
  private async lock(manager: EntityManager, target: ConfigTarget) {
    await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lockKey(target)]);
  }

  private validate(writes: { target: ConfigTarget; config: unknown; at: string }[]) {
    for (const w of writes) {
      const bytes = Buffer.byteLength(JSON.stringify(w.config));
      if (bytes > this.limits.configMaxBytes) {
        throw new DomainError(
          'PAYLOAD_TOO_LARGE',
          `the ${w.target.instance} configuration of ${describeTarget(w.target)}${w.at ? ` (at ${w.at})` : ''} is ${bytes} bytes of JSON; at most ${this.limits.configMaxBytes} are stored`,
        );
      }
    }
    const violations = writes.flatMap((w) => {
      const extra = w.target.level === 'application' && isObject(w.config) && 'versions' in w.config ? [{ pointer: `${w.at}/versions`, message: '"versions" is reserved for app-version configs' }] : [];
      return [...extra, ...this.registry.violations(w.target.instance, w.target.level, w.config, w.at)];
    });
    if (violations.length > 0) throw validationFailed('configuration does not match the service instance schema', violations);
  }

  private throwIf(violations: Violation[]) {
    if (violations.length > 0) throw validationFailed('request body does not match the path', violations);
  }

  private requireNonEmpty(count: number) {
    if (count === 0) throw badRequest('the body names no configuration');
  }

  private requireInstanceParam(instance: string | undefined): string {
    if (!instance) throw badRequest('serviceInstanceName is required');
    return this.registry.require(instance).name;
  }

  private appTarget(instance: string, app: AppRef): ConfigTarget {
    this.registry.require(instance);
    return { instance, level: 'application', tenantId: app.tenantId, appName: app.name, appVersionName: null };
  }

  private versionTarget(instance: string, app: Application, version: AppVersion): ConfigTarget {
    this.registry.require(instance);
    return { instance, level: 'app-version', tenantId: app.tenantId, appName: app.name, appVersionName: version.name };
  }

  private tenantTarget(instance: string, tenantId: string): ConfigTarget {
    return { instance, level: 'tenant', tenantId, appName: null, appVersionName: null };
  }

  /** Tenant a read is confined to; null when the caller reads every tenant. */
  private readTenant(user: AuthUser): string | null {
    return readsAllTenants(user, this.platform) ? null : user.tenantId;
  }

  private exportTenant(user: AuthUser, tenantId: string | undefined): string | null {
    if (readsAllTenants(user, this.platform)) return tenantId ?? null;
    if (tenantId !== undefined && tenantId !== user.tenantId) throw notFound('tenant not found');
    return user.tenantId;
  }

  private async readAppLevel(manager: EntityManager, app: Application, instances: string[] | undefined): Promise<Json> {
    const configs = await this.stored(manager, { level: 'application', tenantId: app.tenantId, appName: app.name }, instances);
    const result: Record<string, Record<string, Json>> = {};
    for (const instance of instances ?? configs.map((c) => c.serviceInstance)) {
      result[instance] = { [app.name]: configs.find((c) => c.serviceInstance === instance)?.config ?? {} };
    }
    return appDocument(result);
  }

  private async readVersionLevel(manager: EntityManager, app: Application, version: AppVersion, instances: string[] | undefined): Promise<Json> {
    const configs = await this.stored(manager, { level: 'app-version', tenantId: app.tenantId, appName: app.name, appVersionName: version.name }, instances);
    const result: Record<string, Record<string, Json>> = {};
    for (const instance of instances ?? configs.map((c) => c.serviceInstance)) {
      result[instance] = { [app.name]: { versions: { [version.name]: configs.find((c) => c.serviceInstance === instance)?.config ?? {} } } };
    }
    return appDocument(result);
  }

  private async readTenantLevel(manager: EntityManager, instances: string[] | undefined, tenantId: string | null): Promise<Json> {
    const configs = await this.stored(manager, { level: 'tenant', ...(tenantId === null ? {} : { tenantId }) }, instances);
    const result: Record<string, Record<string, Json>> = {};
    for (const instance of instances ?? []) result[instance] = {};
    for (const c of configs) (result[c.serviceInstance] ??= {})[c.tenantId] = c.config;
    return tenantDocument(result);
  }

  private stored(manager: EntityManager, where: FindOptionsWhere<ServiceConfig>, instances: string[] | undefined) {
    return manager.getRepository(ServiceConfig).find({
      where: { ...where, ...(instances ? { serviceInstance: In(instances) } : {}) },
      order: { serviceInstance: 'ASC', tenantId: 'ASC' },
    });
  }
}

/** Diffs of large documents take milliseconds each: let other requests run between them. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export type TargetRef =
  | { level: 'application'; instance?: string; appName: string }
  | { level: 'app-version'; instance?: string; appName: string; appVersionName: string }
  | { level: 'tenant'; instance?: string; tenantId?: string };

/**
 * A PATCH body is the merge patch of the config itself; the nested layout of the PUT body
 * (`{instance: {kaa: {...path...}}}`) is accepted too and unwrapped.
 */
function unwrapPatch(patch: unknown, instance: string, path: string[]): unknown {
  if (!isObject(patch) || Object.keys(patch).length !== 1 || !isObject(patch[instance])) return patch;
  let node: unknown = patch[instance];
  for (const key of ['kaa', ...path]) {
    if (!isObject(node) || Object.keys(node).length !== 1 || !(key in node)) return patch;
    node = node[key];
  }
  return node;
}

