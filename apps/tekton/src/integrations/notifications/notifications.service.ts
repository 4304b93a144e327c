import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { quoteIdent, schemaOf } from '@kaa/persistence';
import { conflict, notFound, pageFigures, validationFailed, type Page, type PageRequest } from '@kaa/server';
import type { DeliveryStatus } from '../integrations.options.js';
import { ProviderEntity } from '../providers/provider.entity.js';
import type { CreateNotificationDto, DeliveryView, NotificationFilterDto, NotificationView, UpdateNotificationDto } from './dto/notification.dto.js';
import { filterProgram, filterViolations, MAX_TENANT_PROGRAM, type NotificationFilter } from './notification-filter.js';
import { NotificationEntity } from './notification.entity.js';

/** Notifications of one tenant; providerRef resolves within the same tenant only. */
@Injectable()
export class NotificationsService {
  private readonly schema: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.schema = quoteIdent(schemaOf(dataSource));
  }

  private get repo() {
    return this.dataSource.getRepository(NotificationEntity);
  }

  async list(tenantId: string, request: PageRequest): Promise<Page<NotificationView>> {
    const [rows, total] = await this.repo.findAndCount({ where: { tenantId }, order: { name: 'ASC' }, skip: request.offset, take: request.size });
    const providers = await this.providerNames(tenantId);
    return { content: rows.map((row) => toView(row, providers.get(row.providerId) ?? '')), figures: pageFigures(request, total) };
  }

  async get(tenantId: string, name: string): Promise<NotificationView> {
    const row = await this.find(tenantId, name);
    const providers = await this.providerNames(tenantId);
    return toView(row, providers.get(row.providerId) ?? '');
  }

  async create(tenantId: string, dto: CreateNotificationDto): Promise<NotificationView> {
    const filter = normalise(dto.filter);
    const provider = await this.provider(tenantId, dto.providerRef);
    const inserted = await this.dataSource.transaction(async (manager) => {
      await this.withinTenantBudget(manager, tenantId, null, filter);
      const result = await manager
        .createQueryBuilder()
        .insert()
        .into(NotificationEntity)
        .values({ tenantId, name: dto.name, providerId: provider.id, suspend: dto.suspend ?? false, filter })
        .orIgnore()
        .returning('id')
        .execute();
      return (result.raw as unknown[]).length > 0;
    });
    if (!inserted) throw conflict(`notification ${dto.name} already exists`);
    return this.get(tenantId, dto.name);
  }

  async update(tenantId: string, name: string, dto: UpdateNotificationDto): Promise<NotificationView> {
    const row = await this.find(tenantId, name);
    const filter = dto.filter ? normalise(dto.filter) : row.filter;
    const providerId = dto.providerRef === undefined ? row.providerId : (await this.provider(tenantId, dto.providerRef)).id;
    await this.dataSource.transaction(async (manager) => {
      if (dto.filter) await this.withinTenantBudget(manager, tenantId, row.id, filter);
      await manager.update(NotificationEntity, { id: row.id }, { filter, providerId, suspend: dto.suspend ?? row.suspend });
    });
    return this.get(tenantId, name);
  }

  /**
   * 400 unless the tenant's filters, with `filter` in place of notification `replacing`'s, stay
   * within MAX_TENANT_PROGRAM (suspended ones count: they can be resumed without a check). A lock
   * per tenant keeps two concurrent writes from passing the check together.
   */
  private async withinTenantBudget(manager: EntityManager, tenantId: string, replacing: string | null, filter: NotificationFilter): Promise<void> {
    const own = filterProgram(filter);
    if (own === 0) return;
    await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${this.schema}.integration_notification:${tenantId}`]);
    const others: { filter: NotificationFilter }[] = await manager.query(
      `SELECT filter FROM ${this.schema}.integration_notification WHERE tenant_id = $1 AND ($2::bigint IS NULL OR id <> $2)`,
      [tenantId, replacing],
    );
    const total = others.reduce((sum, n) => sum + filterProgram(n.filter), own);
    if (total > MAX_TENANT_PROGRAM) {
      throw validationFailed('invalid notification filter', [
        { pointer: '/filter', message: `the tenant's notification filters would compile to ${total} RE2 instructions together, more than ${MAX_TENANT_PROGRAM}` },
      ]);
    }
  }

  async remove(tenantId: string, name: string): Promise<void> {
    const row = await this.find(tenantId, name);
    await this.repo.delete({ id: row.id });
  }

  async deliveries(tenantId: string, name: string, status: DeliveryStatus | undefined, request: PageRequest): Promise<Page<DeliveryView>> {
    const row = await this.find(tenantId, name);
    const [{ total }]: { total: number }[] = await this.dataSource.query(
      `SELECT count(*)::int AS total FROM ${this.schema}.integration_delivery WHERE notification_id = $1 AND ($2::text IS NULL OR status = $2)`,
      [row.id, status ?? null],
    );
    const rows: DeliveryRow[] = await this.dataSource.query(
      `SELECT d.id, d.event_id, e.type, e.summary, d.status, d.attempts, d.last_error, d.last_status_code, d.next_attempt_at, d.created_at, d.completed_at
         FROM ${this.schema}.integration_delivery d JOIN ${this.schema}.integration_event e ON e.id = d.event_id
        WHERE d.notification_id = $1 AND ($2::text IS NULL OR d.status = $2)
        ORDER BY d.id DESC LIMIT $3 OFFSET $4`,
      [row.id, status ?? null, request.size, request.offset],
    );
    const content = rows.map((d) => ({
      id: String(d.id),
      eventId: d.event_id,
      eventType: d.type,
      summary: d.summary,
      status: d.status,
      attempts: d.attempts,
      lastError: d.last_error,
      lastStatusCode: d.last_status_code,
      nextAttemptDate: d.status === 'pending' ? d.next_attempt_at.toISOString() : null,
      createdDate: d.created_at.toISOString(),
      completedDate: d.completed_at?.toISOString() ?? null,
    }));
    return { content, figures: pageFigures(request, total) };
  }

  private async find(tenantId: string, name: string): Promise<NotificationEntity> {
    const row = await this.repo.findOne({ where: { tenantId, name } });
    if (!row) throw notFound(`notification ${name} not found`);
    return row;
  }

  /** A providerRef naming nothing in the caller's tenant (even if another tenant has it) is a 400. */
  private async provider(tenantId: string, name: string): Promise<ProviderEntity> {
    const provider = await this.dataSource.getRepository(ProviderEntity).findOne({ where: { tenantId, name } });
    if (!provider) throw validationFailed('invalid notification', [{ pointer: '/providerRef', message: `provider ${name} not found` }]);
    return provider;
  }

  private async providerNames(tenantId: string): Promise<Map<string, string>> {
    const rows = await this.dataSource.getRepository(ProviderEntity).find({ where: { tenantId }, select: { id: true, name: true } });
    return new Map(rows.map((p) => [p.id, p.name]));
  }
}

interface DeliveryRow {
  id: string;
  event_id: string;
  type: string;
  summary: string;
  status: DeliveryStatus;
  attempts: number;
  last_error: string | null;
  last_status_code: number | null;
  next_attempt_at: Date;
  created_at: Date;
  completed_at: Date | null;
}

function normalise(dto: NotificationFilterDto | undefined): NotificationFilter {
  const filter: NotificationFilter = {
    eventTypes: dto?.eventTypes ?? [],
    applications: dto?.applications ?? [],
    serviceInstances: dto?.serviceInstances ?? [],
    include: dto?.include ?? [],
    exclude: dto?.exclude ?? [],
  };
  const violations = filterViolations(filter);
  if (violations.length > 0) throw validationFailed('invalid notification filter', violations);
  return filter;
}

function toView(row: NotificationEntity, providerRef: string): NotificationView {
  return {
    name: row.name,
    providerRef,
    suspend: row.suspend,
    filter: row.filter,
    createdDate: row.createdAt.toISOString(),
    updatedDate: row.updatedAt.toISOString(),
  };
}
