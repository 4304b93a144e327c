import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { SystemConfigLevel } from '@kaa/protocols';
import type { PageRequest } from '@kaa/server';
import type { LevelSlot } from './system-config-levels.js';

/** A stored system configuration. */
export interface SystemConfigRow {
  configId: string;
  tenantId: string;
  level: SystemConfigLevel;
  levelId: string;
  name: string;
  displayName: string | null;
  /** The JSON document, as the client sent it. */
  config: string;
  /** Change number (bigint as text): higher for every later change of the same slot. */
  revision: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface SystemConfigInput {
  name: string;
  displayName: string | null;
  config: string;
}

const COLUMNS = `config_id AS "configId", tenant_id AS "tenantId", level, level_id AS "levelId", name,
  display_name AS "displayName", config, revision::text AS revision, created_at AS "createdAt", updated_at AS "updatedAt"`;

const NEXT_REVISION = `nextval('system_config_revision')`;

/** The SQL of system configurations, in one place. */
@Injectable()
export class SystemConfigRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Serializes the changes of one level of one tenant until the transaction ends: revisions are
   * then taken, and committed, in the same order, so a follower sees each level's changes in order.
   */
  async lockLevel(manager: EntityManager, slot: LevelSlot): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`system_config:${slot.tenantId}:${slot.level}:${slot.levelId}`]);
  }

  async nextRevision(manager: EntityManager): Promise<string> {
    const [{ revision }] = await manager.query(`SELECT ${NEXT_REVISION}::text AS revision`);
    return revision as string;
  }

  /** undefined when the name is taken at that level. */
  async insert(manager: EntityManager, slot: LevelSlot, input: SystemConfigInput): Promise<SystemConfigRow | undefined> {
    const [row] = await manager.query(
      `INSERT INTO system_config (config_id, tenant_id, level, level_id, name, display_name, config, revision, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, ${NEXT_REVISION}, now(), now())
       ON CONFLICT ON CONSTRAINT system_config_slot DO NOTHING
       RETURNING ${COLUMNS}`,
      [randomUUID(), slot.tenantId, slot.level, slot.levelId, input.name, input.displayName, input.config],
    );
    return row;
  }

  async find(manager: EntityManager | DataSource, slot: LevelSlot, configId: string): Promise<SystemConfigRow | undefined> {
    const [row] = await manager.query(`SELECT ${COLUMNS} FROM system_config WHERE config_id = $1 AND tenant_id = $2 AND level = $3 AND level_id = $4`, [
      configId,
      slot.tenantId,
      slot.level,
      slot.levelId,
    ]);
    return row;
  }

  async findByName(manager: EntityManager, slot: LevelSlot, name: string): Promise<SystemConfigRow | undefined> {
    const [row] = await manager.query(`SELECT ${COLUMNS} FROM system_config WHERE tenant_id = $1 AND level = $2 AND level_id = $3 AND name = $4`, [
      slot.tenantId,
      slot.level,
      slot.levelId,
      name,
    ]);
    return row;
  }

  async list(slot: LevelSlot, page: PageRequest): Promise<{ content: SystemConfigRow[]; total: number }> {
    const where = 'FROM system_config WHERE tenant_id = $1 AND level = $2 AND level_id = $3';
    const params = [slot.tenantId, slot.level, slot.levelId];
    const [content, [{ total }]] = await Promise.all([
      this.dataSource.query(`SELECT ${COLUMNS} ${where} ORDER BY name LIMIT $4 OFFSET $5`, [...params, page.size, page.offset]),
      this.dataSource.query(`SELECT count(*)::int AS total ${where}`, params),
    ]);
    return { content, total };
  }

  async update(manager: EntityManager, configId: string, input: SystemConfigInput): Promise<SystemConfigRow> {
    const [[row]] = await manager.query(
      `UPDATE system_config SET name = $2, display_name = $3, config = $4, revision = ${NEXT_REVISION}, updated_at = now()
       WHERE config_id = $1 RETURNING ${COLUMNS}`,
      [configId, input.name, input.displayName, input.config],
    );
    return row;
  }

  async delete(manager: EntityManager, configId: string): Promise<void> {
    await manager.query('DELETE FROM system_config WHERE config_id = $1', [configId]);
  }

  /** The config named `name` of the first level in `chain` (most specific first) that has one. */
  async findFirst(tenantId: string, name: string, chain: readonly { level: SystemConfigLevel; levelId: string }[]): Promise<SystemConfigRow | undefined> {
    const [row] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM system_config
       JOIN unnest($3::text[], $4::text[]) WITH ORDINALITY AS chain(level, level_id, rank) USING (level, level_id)
       WHERE tenant_id = $1 AND name = $2
       ORDER BY chain.rank LIMIT 1`,
      [tenantId, name, chain.map((c) => c.level), chain.map((c) => c.levelId)],
    );
    return row;
  }

  /** The app versions under which the tenant holds endpoint configurations or history of the endpoint. */
  async appVersionsOfEndpoint(tenantId: string, endpointId: string): Promise<string[]> {
    const rows: { appVersionName: string }[] = await this.dataSource.query(
      `SELECT app_version_name AS "appVersionName" FROM endpoint_config WHERE tenant_id = $1 AND endpoint_id = $2
       UNION SELECT app_version_name FROM config_status WHERE tenant_id = $1 AND endpoint_id = $2
       ORDER BY 1 LIMIT 20`,
      [tenantId, endpointId],
    );
    return rows.map((r) => r.appVersionName);
  }
}
