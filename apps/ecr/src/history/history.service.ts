import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { GroupCommit, queryPrepared } from '@kaa/persistence';
import { OwnershipService } from '../tenancy/ownership.js';
import type { ConfigStatusValue } from './config-status.entity.js';

export interface DispatchedConfig {
  tenantId: string;
  endpointId: string;
  appVersionName: string;
  configId: string;
  configName: string;
  config: string;
}

export interface Confirmation {
  endpointId: string;
  appVersionName: string;
  configId: string;
  statusCode: number;
  reasonPhrase: string | null;
}

export interface StatusView {
  configId: string;
  endpointId: string;
  appVersionName: string;
  configName: string;
  status: ConfigStatusValue;
  config: string;
  lastDispatchedDate: string | null;
  lastConfirmedDate: string | null;
  confirmationStatusCode: number | null;
  confirmationReasonPhrase: string | null;
}

export interface StatusPage {
  content: StatusView[];
  totalElements: number;
  totalPages: number;
  number: number;
  size: number;
  numberOfElements: number;
  first: boolean;
  last: boolean;
  empty: boolean;
}

export const IMPLICITLY_APPLIED = 'Implicitly applied';

const isSuccess = (statusCode: number) => statusCode >= 200 && statusCode < 300;

/**
 * The entries of a batch as one array per column, one entry per history row: a statement may not
 * update a row twice, so of two entries for one row the later is kept.
 */
function columnsOf(entries: DispatchedConfig[]): string[][] {
  const rows = [...new Map(entries.map((e) => [`${e.endpointId}\u0000${e.appVersionName}\u0000${e.configId}`, e])).values()];
  return [
    rows.map((r) => r.tenantId),
    rows.map((r) => r.endpointId),
    rows.map((r) => r.appVersionName),
    rows.map((r) => r.configId),
    rows.map((r) => r.configName),
    rows.map((r) => r.config),
  ];
}

/** The dispatch/confirmation history of every endpoint (the `/statuses` page). */
@Injectable()
export class HistoryService {
  private readonly dispatches = new GroupCommit<DispatchedConfig>((entries) => this.storeDispatches(entries));
  private readonly implicitApplies = new GroupCommit<DispatchedConfig>((entries) => this.storeImplicitApplies(entries));

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ownership: OwnershipService,
  ) {}

  /**
   * Records that a config was sent to an endpoint; resolves once it is stored. Concurrent
   * dispatches share one statement and one commit.
   */
  recordDispatch(entry: DispatchedConfig): Promise<void> {
    return this.dispatches.add(entry);
  }

  /**
   * A pull named the config the endpoint already has: it is applied (200 "Implicitly applied").
   * Resolves once stored; concurrent ones share one statement and one commit, like dispatches.
   */
  recordImplicitApply(entry: DispatchedConfig): Promise<void> {
    return this.implicitApplies.add(entry);
  }

  // Both batched writes commit without waiting for the WAL flush (synchronous_commit off for their
  // transaction only): the record is committed and visible before the answer goes out and survives
  // a crash of this service; only a crash of Postgres itself can lose the last fraction of a second
  // of them (never a config, nor a confirmation the endpoint sent). The flush was most of a pull's
  // time. Prepared: each connection parses and plans them once (they run for every batch of pulls).

  private async storeDispatches(entries: DispatchedConfig[]): Promise<void> {
    await queryPrepared(
      this.dataSource,
      `INSERT INTO config_status (tenant_id, endpoint_id, app_version_name, config_id, config_name, config, status, last_dispatched_date)
       SELECT t.*, 'DISPATCHED', now()
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
         AS t(tenant_id, endpoint_id, app_version_name, config_id, config_name, config)
         CROSS JOIN (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed_commit
       ON CONFLICT (endpoint_id, app_version_name, config_id) DO UPDATE SET last_dispatched_date = now()`,
      columnsOf(entries),
    );
  }

  private async storeImplicitApplies(entries: DispatchedConfig[]): Promise<void> {
    await queryPrepared(
      this.dataSource,
      `INSERT INTO config_status (tenant_id, endpoint_id, app_version_name, config_id, config_name, config, status,
                                  last_confirmed_date, confirmation_status_code, confirmation_reason_phrase)
       SELECT t.*, 'APPLIED', now(), 200, $7::text
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
         AS t(tenant_id, endpoint_id, app_version_name, config_id, config_name, config)
         CROSS JOIN (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed_commit
       ON CONFLICT (endpoint_id, app_version_name, config_id) DO UPDATE SET status = 'APPLIED', last_confirmed_date = now(),
         confirmation_status_code = 200, confirmation_reason_phrase = $7::text
       WHERE config_status.tenant_id = EXCLUDED.tenant_id`,
      [...columnsOf(entries), IMPLICITLY_APPLIED],
    );
  }

  /**
   * An endpoint applied (2xx) or rejected a config. `known` describes the config when the history
   * has no entry yet (an implicit apply or a confirmation of a config dispatched elsewhere).
   */
  async recordConfirmation(confirmation: Confirmation, known?: DispatchedConfig): Promise<boolean> {
    const status: ConfigStatusValue = isSuccess(confirmation.statusCode) ? 'APPLIED' : 'REJECTED';
    // Only the owner's history: a version nobody owns (or not served here) has none to confirm.
    const owner = this.ownership.servedOwner(confirmation.appVersionName);
    if (owner === undefined) return false;
    const params: unknown[] = [confirmation.endpointId, confirmation.appVersionName, confirmation.configId, status, confirmation.statusCode, confirmation.reasonPhrase, owner];
    const updated: unknown[] = await this.dataSource.query(
      `UPDATE config_status SET status = $4, last_confirmed_date = now(), confirmation_status_code = $5, confirmation_reason_phrase = $6
       WHERE endpoint_id = $1 AND app_version_name = $2 AND config_id = $3 AND tenant_id = $7
       RETURNING id`,
      params,
    );
    if (firstResult(updated).length > 0) return true;
    if (!known || known.tenantId !== owner) return false;
    await this.dataSource.query(
      `INSERT INTO config_status (tenant_id, endpoint_id, app_version_name, config_id, config_name, config, status,
                                  last_confirmed_date, confirmation_status_code, confirmation_reason_phrase)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now(), $8, $9)
       ON CONFLICT (endpoint_id, app_version_name, config_id) DO UPDATE SET status = $7, last_confirmed_date = now(),
         confirmation_status_code = $8, confirmation_reason_phrase = $9
       WHERE config_status.tenant_id = EXCLUDED.tenant_id`,
      [known.tenantId, known.endpointId, known.appVersionName, known.configId, known.configName, known.config, status, confirmation.statusCode, confirmation.reasonPhrase],
    );
    return true;
  }

  async page(
    tenantId: string,
    filter: { endpointId: string; appVersionName?: string; configId?: string },
    page: number,
    size: number,
  ): Promise<StatusPage> {
    // Only versions of the tenant's own applications: rows it wrote under another's are not its.
    const params: unknown[] = [tenantId, filter.endpointId, this.ownership.applicationsOf(tenantId)];
    let where = `tenant_id = $1 AND endpoint_id = $2 AND substring(app_version_name from '^(.*)-[a-z0-9]+$') = ANY($3::text[])`;
    if (filter.appVersionName !== undefined) {
      params.push(filter.appVersionName);
      where += ` AND app_version_name = $${params.length}`;
    }
    if (filter.configId !== undefined) {
      params.push(filter.configId);
      where += ` AND config_id = $${params.length}`;
    }
    const [{ total }] = await this.dataSource.query(`SELECT count(*)::int AS total FROM config_status WHERE ${where}`, params);
    const rows: StatusRow[] = await this.dataSource.query(
      `SELECT config_id, endpoint_id, app_version_name, config_name, status, config, last_dispatched_date, last_confirmed_date,
              confirmation_status_code, confirmation_reason_phrase
       FROM config_status WHERE ${where}
       ORDER BY GREATEST(last_dispatched_date, last_confirmed_date) DESC NULLS LAST, id DESC
       LIMIT ${size} OFFSET ${page * size}`,
      params,
    );
    const totalPages = Math.ceil(total / size);
    return {
      content: rows.map(toView),
      totalElements: total,
      totalPages,
      number: page,
      size,
      numberOfElements: rows.length,
      first: page === 0,
      last: page >= totalPages - 1,
      empty: rows.length === 0,
    };
  }
}

interface StatusRow {
  config_id: string;
  endpoint_id: string;
  app_version_name: string;
  config_name: string;
  status: ConfigStatusValue;
  config: string;
  last_dispatched_date: Date | null;
  last_confirmed_date: Date | null;
  confirmation_status_code: number | null;
  confirmation_reason_phrase: string | null;
}

function toView(row: StatusRow): StatusView {
  return {
    configId: row.config_id,
    endpointId: row.endpoint_id,
    appVersionName: row.app_version_name,
    configName: row.config_name,
    status: row.status,
    config: row.config,
    lastDispatchedDate: row.last_dispatched_date?.toISOString() ?? null,
    lastConfirmedDate: row.last_confirmed_date?.toISOString() ?? null,
    confirmationStatusCode: row.confirmation_status_code,
    confirmationReasonPhrase: row.confirmation_reason_phrase,
  };
}

/** TypeORM's postgres driver answers UPDATE ... RETURNING with `[rows, count]`. */
function firstResult(result: unknown[]): unknown[] {
  return Array.isArray(result[0]) ? (result[0] as unknown[]) : result;
}
