import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { badRequest, DomainError, notFound, pageFigures, type Page, type PageRequest } from '@kaa/server';
import { queryPrepared } from '@kaa/persistence';
import { ConfigUpdatedPublisher, type UpdatedConfig } from '../messaging/config-updated.publisher.js';
import { ConfigCacheService } from './config-cache.service.js';
import type { ConfigChange } from './config-changes.js';
import { EndpointSchemaService } from '../schemas/endpoint-schema.service.js';
import { OwnershipService } from '../tenancy/ownership.js';
import { DEFAULT_CONFIG_NAME, type AppVersionRef } from './config-keys.js';
import type { StoredConfig } from './config-view.js';
import { checkIfMatch } from './etag.js';

const ENDPOINT_COLUMNS = `config_id AS "configId", tenant_id AS "tenantId", endpoint_id AS "endpointId",
  app_version_name AS "appVersionName", name, config, created_date AS "createdDate", updated_date AS "updatedDate"`;
const DEFAULT_COLUMNS = `config_id AS "configId", tenant_id AS "tenantId", NULL::text AS "endpointId",
  app_version_name AS "appVersionName", name, config, created_date AS "createdDate", updated_date AS "updatedDate"`;

export interface EndpointKey {
  endpointId: string;
  ref: AppVersionRef;
  name: string;
}

export interface DefaultKey {
  ref: AppVersionRef;
  name: string;
}

/** Limits on what one write may store (`ECR_CONFIG_MAX_BYTES`, `ECR_BATCH_MAX_ENDPOINTS`). */
export interface ConfigLimits {
  configMaxBytes: number;
  batchMaxEndpoints: number;
}

export const CONFIG_LIMITS = Symbol('ecr:config-limits');

/**
 * Endpoint configurations and app-version defaults. Every write validates against the effective
 * schema, gives the config a new id, and enqueues the ConfigUpdated broadcasts it causes in the
 * same transaction. ConfigUpdated carries no config name, so only `default`-named configs are
 * pushed; consumers pull named ones.
 */

/**
 * The owner's write to a slot (ownership was checked before): it replaces whatever the slot
 * holds, a row of another tenant included (one written before ownership came from the app
 * registry, never served), which then starts afresh as the owner's.
 */
const REPLACE_SLOT = (table: string) =>
  `tenant_id = EXCLUDED.tenant_id, config_id = EXCLUDED.config_id, config = EXCLUDED.config, updated_date = EXCLUDED.updated_date,
   created_date = CASE WHEN ${table}.tenant_id = EXCLUDED.tenant_id THEN ${table}.created_date ELSE EXCLUDED.created_date END`;
@Injectable()
export class ConfigsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly schemas: EndpointSchemaService,
    private readonly publisher: ConfigUpdatedPublisher,
    private readonly ownership: OwnershipService,
    private readonly cache: ConfigCacheService,
    @Inject(CONFIG_LIMITS) private readonly limits: ConfigLimits,
  ) {}

  /** Serializes the request body; `undefined` (no body) is not a JSON document; 413 above the size limit. */
  private serialize(document: unknown): string {
    if (document === undefined) throw badRequest('the request body must be a JSON document');
    const config = JSON.stringify(document);
    const bytes = Buffer.byteLength(config, 'utf8');
    if (bytes > this.limits.configMaxBytes) {
      throw new DomainError('PAYLOAD_TOO_LARGE', `the configuration is ${bytes} bytes as JSON; at most ${this.limits.configMaxBytes} are stored (ECR_CONFIG_MAX_BYTES)`);
    }
    return config;
  }

  // --- endpoint configurations -------------------------------------------------------------

  async getEndpointConfig(tenantId: string, key: EndpointKey): Promise<StoredConfig> {
    // Read (and cached) whatever tenant wrote the slot; a row of anyone but the owner is not found.
    const { endpointId, ref, name } = key;
    this.ownership.assertOwner(tenantId, ref);
    const row = await this.cache.lookup(slotOf('own', endpointId, ref.appVersionName, name), async () => {
      const [found] = await queryPrepared<StoredConfig>(
        this.dataSource,
        `SELECT ${ENDPOINT_COLUMNS} FROM endpoint_config WHERE endpoint_id = $1 AND app_version_name = $2 AND name = $3`,
        [endpointId, ref.appVersionName, name],
      );
      return found ?? null;
    });
    if (!row || row.tenantId !== tenantId) throw notFound(`no configuration ${name} for endpoint ${endpointId} in app version ${ref.appVersionName}`);
    return row;
  }

  async listEndpointConfigs(tenantId: string, endpointId: string, ref: AppVersionRef, request: PageRequest): Promise<Page<StoredConfig>> {
    this.ownership.assertOwner(tenantId, ref);
    const where = 'FROM endpoint_config WHERE endpoint_id = $1 AND app_version_name = $2 AND tenant_id = $3';
    const params = [endpointId, ref.appVersionName, tenantId];
    const [content, [{ total }]] = await Promise.all([
      this.dataSource.query(`SELECT ${ENDPOINT_COLUMNS} ${where} ORDER BY name LIMIT $4 OFFSET $5`, [...params, request.size, request.offset]),
      this.dataSource.query(`SELECT count(*)::int AS total ${where}`, params),
    ]);
    return { content, figures: pageFigures(request, total) };
  }

  async putEndpointConfig(tenantId: string, key: EndpointKey, document: unknown, ifMatch?: string): Promise<StoredConfig> {
    const config = this.serialize(document);
    // Ownership first: another tenant must not learn how its config violates the schema.
    this.ownership.assertOwner(tenantId, key.ref);
    this.schemas.validate(key.ref, document);
    return this.afterCommit(endpointsChanged([[key.ref.appVersionName, key.endpointId]]), async (manager) => {
      const [current] = await manager.query(
        `SELECT config_id AS "configId" FROM endpoint_config WHERE endpoint_id = $1 AND app_version_name = $2 AND name = $3 AND tenant_id = $4 FOR UPDATE`,
        [key.endpointId, key.ref.appVersionName, key.name, tenantId],
      );
      checkIfMatch(ifMatch, current?.configId);
      const stored = await this.upsertEndpointConfig(manager, tenantId, key.endpointId, key.ref.appVersionName, key.name, config);
      if (key.name === DEFAULT_CONFIG_NAME) await this.publisher.enqueue(manager, [updateOf(stored)]);
      return stored;
    });
  }

  async deleteEndpointConfig(tenantId: string, key: EndpointKey, ifMatch?: string): Promise<void> {
    this.ownership.assertOwner(tenantId, key.ref);
    await this.afterCommit(endpointsChanged([[key.ref.appVersionName, key.endpointId]]), async (manager) => {
      const [current] = await manager.query(
        `SELECT config_id AS "configId" FROM endpoint_config
         WHERE endpoint_id = $1 AND app_version_name = $2 AND name = $3 AND tenant_id = $4 FOR UPDATE`,
        [key.endpointId, key.ref.appVersionName, key.name, tenantId],
      );
      if (!current) throw notFound(`no configuration ${key.name} for endpoint ${key.endpointId} in app version ${key.ref.appVersionName}`);
      checkIfMatch(ifMatch, current.configId);
      await manager.query('DELETE FROM endpoint_config WHERE config_id = $1', [current.configId]);
      if (key.name !== DEFAULT_CONFIG_NAME) return;
      // The endpoint falls back to the default: that is its new configuration.
      const fallback = await this.findDefault(manager, tenantId, key.ref.appVersionName, key.name);
      if (fallback) await this.publisher.enqueue(manager, [{ ...updateOf(fallback), endpointId: key.endpointId }]);
    });
  }

  /** One config to many endpoints of one or more app versions, in one transaction. */
  async putBatch(tenantId: string, name: string, document: unknown, endpoints: Map<AppVersionRef, string[]>): Promise<StoredConfig[]> {
    const count = [...endpoints.values()].reduce((sum, ids) => sum + ids.length, 0);
    if (count > this.limits.batchMaxEndpoints) {
      throw new DomainError('PAYLOAD_TOO_LARGE', `the batch names ${count} endpoint ids; at most ${this.limits.batchMaxEndpoints} per request (ECR_BATCH_MAX_ENDPOINTS)`);
    }
    const config = this.serialize(document);
    for (const ref of endpoints.keys()) this.ownership.assertOwner(tenantId, ref);
    for (const ref of endpoints.keys()) this.schemas.validate(ref, document);
    const changed = endpointsChanged([...endpoints].flatMap(([ref, ids]) => ids.map((id): [string, string] => [ref.appVersionName, id])));
    return this.afterCommit(changed, async (manager) => {
      const stored: StoredConfig[] = [];
      for (const [ref, endpointIds] of endpoints) {
        for (const endpointId of new Set(endpointIds)) {
          stored.push(await this.upsertEndpointConfig(manager, tenantId, endpointId, ref.appVersionName, name, config));
        }
      }
      if (name === DEFAULT_CONFIG_NAME) await this.publisher.enqueue(manager, stored.map(updateOf));
      return stored;
    });
  }

  // --- app-version defaults ----------------------------------------------------------------

  async getDefaultConfig(tenantId: string, key: DefaultKey): Promise<StoredConfig> {
    this.ownership.assertOwner(tenantId, key.ref);
    const [row] = await this.dataSource.query(
      `SELECT ${DEFAULT_COLUMNS} FROM default_config WHERE app_version_name = $1 AND name = $2 AND tenant_id = $3`,
      [key.ref.appVersionName, key.name, tenantId],
    );
    if (!row) throw notFound(`no default configuration ${key.name} for app version ${key.ref.appVersionName}`);
    return row as StoredConfig;
  }

  async listDefaultConfigs(tenantId: string, ref: AppVersionRef, request: PageRequest): Promise<Page<StoredConfig>> {
    this.ownership.assertOwner(tenantId, ref);
    const where = 'FROM default_config WHERE app_version_name = $1 AND tenant_id = $2';
    const params = [ref.appVersionName, tenantId];
    const [content, [{ total }]] = await Promise.all([
      this.dataSource.query(`SELECT ${DEFAULT_COLUMNS} ${where} ORDER BY name LIMIT $3 OFFSET $4`, [...params, request.size, request.offset]),
      this.dataSource.query(`SELECT count(*)::int AS total ${where}`, params),
    ]);
    return { content, figures: pageFigures(request, total) };
  }

  async putDefaultConfig(tenantId: string, key: DefaultKey, document: unknown, ifMatch?: string): Promise<StoredConfig> {
    const config = this.serialize(document);
    this.ownership.assertOwner(tenantId, key.ref);
    this.schemas.validate(key.ref, document);
    return this.afterCommit(versionChanged(key.ref.appVersionName), async (manager) => {
      const [current] = await manager.query(
        `SELECT config_id AS "configId" FROM default_config WHERE app_version_name = $1 AND name = $2 AND tenant_id = $3 FOR UPDATE`,
        [key.ref.appVersionName, key.name, tenantId],
      );
      checkIfMatch(ifMatch, current?.configId);
      const now = new Date();
      const [stored] = await manager.query(
        `INSERT INTO default_config (config_id, tenant_id, app_version_name, name, config, created_date, updated_date)
         VALUES ($1, $2, $3, $4, $5, $6, $6)
         ON CONFLICT (app_version_name, name) DO UPDATE SET ${REPLACE_SLOT('default_config')}
         RETURNING ${DEFAULT_COLUMNS}`,
        [randomUUID(), tenantId, key.ref.appVersionName, key.name, config, now],
      );
      if (current && key.name === DEFAULT_CONFIG_NAME) await this.fanOutDefault(manager, current.configId, stored as StoredConfig);
      return stored as StoredConfig;
    });
  }

  async deleteDefaultConfig(tenantId: string, key: DefaultKey, ifMatch?: string): Promise<void> {
    this.ownership.assertOwner(tenantId, key.ref);
    await this.afterCommit(versionChanged(key.ref.appVersionName), async (manager) => {
      const [current] = await manager.query(
        `SELECT config_id AS "configId" FROM default_config WHERE app_version_name = $1 AND name = $2 AND tenant_id = $3 FOR UPDATE`,
        [key.ref.appVersionName, key.name, tenantId],
      );
      if (!current) throw notFound(`no default configuration ${key.name} for app version ${key.ref.appVersionName}`);
      checkIfMatch(ifMatch, current.configId);
      await manager.query('DELETE FROM default_config WHERE config_id = $1', [current.configId]);
    });
  }

  // --- 6/CDTP ---------------------------------------------------------------------------

  /** The endpoint's own config, else the app version's default; only the version owner's rows, if served here. */
  async effectiveConfig(endpointId: string, appVersionName: string, name: string): Promise<StoredConfig | undefined> {
    const owner = this.ownership.servedOwner(appVersionName);
    if (owner === undefined) return undefined;
    // The owner is part of the key: a change of owner never serves the previous owner's rows.
    const row = await this.cache.lookup(slotOf('effective', endpointId, appVersionName, name, owner), async () => {
      // The endpoint's own config wins over its app version's default: one round trip for both.
      const params: unknown[] = [endpointId, appVersionName, name, owner];
      const [found] = await queryPrepared<StoredConfig>(
        this.dataSource,
        `SELECT "configId", "tenantId", "endpointId", "appVersionName", name, config, "createdDate", "updatedDate" FROM (
           SELECT ${ENDPOINT_COLUMNS}, 0 AS rank FROM endpoint_config
           WHERE endpoint_id = $1 AND app_version_name = $2 AND name = $3 AND tenant_id = $4
           UNION ALL
           SELECT ${DEFAULT_COLUMNS}, 1 AS rank FROM default_config
           WHERE app_version_name = $2 AND name = $3 AND tenant_id = $4
         ) effective ORDER BY rank LIMIT 1`,
        params,
      );
      return found ?? null;
    });
    return row ?? undefined;
  }

  /** A config of the version's owner for that endpoint (own or default), by id; for confirmations. */
  async findById(endpointId: string, appVersionName: string, configId: string): Promise<StoredConfig | undefined> {
    const owner = this.ownership.servedOwner(appVersionName);
    if (owner === undefined) return undefined;
    const [row] = await this.dataSource.query(
      `SELECT ${ENDPOINT_COLUMNS} FROM endpoint_config
       WHERE endpoint_id = $1 AND app_version_name = $2 AND config_id = $3 AND tenant_id = $4
       UNION ALL
       SELECT ${DEFAULT_COLUMNS} FROM default_config
       WHERE app_version_name = $2 AND config_id = $3 AND tenant_id = $4
       LIMIT 1`,
      [endpointId, appVersionName, configId, owner],
    );
    return row as StoredConfig | undefined;
  }

  // --- internals -------------------------------------------------------------------------

  /**
   * Runs the transaction; once it committed, this replica's cache forgets what it changed (other
   * replicas learn it from the triggers' notification). Also after a failure: a commit whose
   * acknowledgement was lost is a change too.
   */
  private async afterCommit<T>(change: ConfigChange, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.dataSource.transaction(work);
    } finally {
      this.cache.changed(change);
    }
  }

  private async findDefault(manager: EntityManager, tenantId: string, appVersionName: string, name: string): Promise<StoredConfig | undefined> {
    const [row] = await manager.query(
      `SELECT ${DEFAULT_COLUMNS} FROM default_config WHERE app_version_name = $1 AND name = $2 AND tenant_id = $3`,
      [appVersionName, name, tenantId],
    );
    return row as StoredConfig | undefined;
  }

  private async upsertEndpointConfig(
    manager: EntityManager,
    tenantId: string,
    endpointId: string,
    appVersionName: string,
    name: string,
    config: string,
  ): Promise<StoredConfig> {
    const [stored] = await manager.query(
      `INSERT INTO endpoint_config (config_id, tenant_id, endpoint_id, app_version_name, name, config, created_date, updated_date)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
       ON CONFLICT (endpoint_id, app_version_name, name) DO UPDATE SET ${REPLACE_SLOT('endpoint_config')}
       RETURNING ${ENDPOINT_COLUMNS}`,
      [randomUUID(), tenantId, endpointId, appVersionName, name, config, new Date()],
    );
    return stored as StoredConfig;
  }

  /**
   * A default replaced another: every endpoint of that app version without its own config whose
   * latest history entry (by dispatch or confirmation, whichever is newer: an endpoint may have got
   * the previous default by broadcast and only confirmed it) is the previous default gets the new
   * one, in one batched insert.
   */
  private async fanOutDefault(manager: EntityManager, previousId: string, next: StoredConfig): Promise<void> {
    const rows: { endpointId: string }[] = await manager.query(
      `SELECT latest.endpoint_id AS "endpointId" FROM (
         SELECT DISTINCT ON (endpoint_id) endpoint_id, config_id
         FROM config_status
         WHERE app_version_name = $1 AND config_name = $2 AND tenant_id = $4
         ORDER BY endpoint_id, GREATEST(last_dispatched_date, last_confirmed_date) DESC NULLS LAST, id DESC
       ) latest
       WHERE latest.config_id = $3
         AND NOT EXISTS (SELECT 1 FROM endpoint_config e WHERE e.endpoint_id = latest.endpoint_id AND e.app_version_name = $1 AND e.name = $2 AND e.tenant_id = $4)`,
      [next.appVersionName, next.name, previousId, next.tenantId],
    );
    await this.publisher.enqueue(
      manager,
      rows.map(({ endpointId }) => ({ ...updateOf(next), endpointId })),
    );
  }
}

const slotOf = (kind: 'own' | 'effective', endpointId: string, appVersionName: string, name: string, owner = '') => ({
  appVersionName,
  endpointId,
  // NUL cannot occur in ids (refused on every path), so it separates the parts unambiguously.
  key: `${kind}\u0000${endpointId}\u0000${appVersionName}\u0000${name}\u0000${owner}`,
});

const endpointsChanged = (endpoints: [string, string][]): ConfigChange => ({ kind: 'endpoints', endpoints });
const versionChanged = (appVersionName: string): ConfigChange => ({ kind: 'versions', versions: [appVersionName] });

function updateOf(stored: StoredConfig): UpdatedConfig {
  return { appVersionName: stored.appVersionName, endpointId: stored.endpointId ?? '', configId: stored.configId, config: stored.config };
}
