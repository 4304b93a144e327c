import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { currentCorrelationId } from '@kaa/observability';
import { channelName, quoteIdent, schemaOf } from '@kaa/persistence';
import { PlatformEventSink, type PlatformEvent } from '../../events/platform-event.js';
import { INTEGRATIONS_OPTIONS, type IntegrationsOptions } from '../integrations.options.js';
import { MatchClock, matches, MAX_SUMMARY_LENGTH, type NotificationFilter } from '../notifications/notification-filter.js';
import { currentProducedBy } from './produced-by.context.js';

export type EventOrigin = 'tekton' | 'nats';

export interface RecordOptions {
  origin: EventOrigin;
  /** Set when the source carried the notifier's marker: stored, never matched. */
  producedBy?: string;
  correlationId?: string;
}

export const deliveryChannel = (schema: string) => channelName('kaa_integrations', schema);

/**
 * Stores normalised events (idempotent on the event id) and, for each new event, one pending
 * delivery per notification of the event's tenant that is not suspended and whose filter
 * matches, in the caller's transaction. Events without a tenant go to the platform tenant's
 * notifications only. Matching happens here, once: later changes to a notification do not
 * affect events already recorded. Filters' regexes have a bounded cost (bounded-regex.ts) and
 * give the event loop back between patterns, so a tenant's filters slow its own writes only.
 */
@Injectable()
export class EventRecorder extends PlatformEventSink {
  private readonly schema: string;
  private readonly channel: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(INTEGRATIONS_OPTIONS) private readonly options: IntegrationsOptions,
  ) {
    super();
    const schema = schemaOf(dataSource);
    this.schema = quoteIdent(schema);
    this.channel = deliveryChannel(schema);
  }

  /** PlatformEventSink: tekton's own changes, inside the change's transaction. */
  async record(manager: EntityManager, events: PlatformEvent[]): Promise<void> {
    const fromEvent = events.map((e) => e.data?.['correlationId']).find((c): c is string => typeof c === 'string');
    await this.store(manager, events, { origin: 'tekton', producedBy: currentProducedBy(), correlationId: fromEvent ?? currentCorrelationId() });
  }

  unmatchable(tenantId: string | null, params: unknown[]): string {
    // Events of the notifier itself are never matched.
    if (currentProducedBy()) return 'true';
    return `NOT EXISTS (SELECT 1 FROM ${this.schema}.integration_notification WHERE tenant_id = $${params.push(tenantId ?? this.options.platformTenant)}::text AND NOT suspend)`;
  }

  recordItem(name: string, event: PlatformEvent, params: unknown[], revision: { from: string; summaryTail: string; dataKey: string }): string {
    const param = (value: unknown) => `$${params.push(value)}`;
    const fromEvent = event.data?.['correlationId'];
    const correlationId = typeof fromEvent === 'string' ? fromEvent : currentCorrelationId();
    const summary = `left(${param(event.summary)}::text || r.revision || ${param(revision.summaryTail)}::text, ${MAX_SUMMARY_LENGTH})`;
    return `${name} AS (
      INSERT INTO ${this.schema}.integration_event (id, type, tenant_id, summary, payload, origin, correlation_id, produced_by)
      SELECT ${param(event.id)}::text, ${param(event.type)}::text, ${param(event.tenantId)}::text, ${summary},
        jsonb_set(jsonb_set(${param(JSON.stringify({ ...event, data: event.data ?? {} }))}::jsonb, '{summary}', to_jsonb(${summary})), ${param(['data', revision.dataKey])}::text[], to_jsonb(r.revision)),
        'tekton', ${param(correlationId ?? null)}::text, ${param(currentProducedBy() ?? null)}::text
      FROM ${revision.from} r
      ON CONFLICT (id) DO NOTHING)`;
  }

  /** Events from NATS: their own transaction; a redelivered message changes nothing. */
  async recordExternal(events: PlatformEvent[], options: Omit<RecordOptions, 'origin'>): Promise<number> {
    return this.dataSource.transaction((manager) => this.store(manager, events, { ...options, origin: 'nats' }));
  }

  /** Whether tekton itself recorded a change under this correlation id (its own SCMP notices). */
  async recordedByTekton(correlationId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM ${this.schema}.integration_event WHERE correlation_id = $1 AND origin = 'tekton' LIMIT 1`,
      [correlationId],
    );
    return rows.length > 0;
  }

  /** Returns how many deliveries were created. */
  private async store(manager: EntityManager, events: PlatformEvent[], options: RecordOptions): Promise<number> {
    let created = 0;
    const clock = new MatchClock();
    for (const event of events) {
      const summary = event.summary.slice(0, MAX_SUMMARY_LENGTH);
      // One statement stores the event and, when it is new and is to be matched, reads the
      // notifications to match; no row back: nothing to match (stored before, or not matched).
      const stored: { id: string | null; filter: NotificationFilter | null }[] = await manager.query(
        `WITH inserted AS (
           INSERT INTO ${this.schema}.integration_event (id, type, tenant_id, summary, payload, origin, correlation_id, produced_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING RETURNING id)
         SELECT n.id, n.filter FROM inserted
         LEFT JOIN ${this.schema}.integration_notification n ON $10::boolean AND n.tenant_id = $9 AND NOT n.suspend`,
        [
          event.id, event.type, event.tenantId, summary, JSON.stringify({ ...event, summary }), options.origin, options.correlationId ?? null, options.producedBy ?? null,
          event.tenantId ?? this.options.platformTenant, !options.producedBy,
        ],
      );
      const ids: string[] = [];
      for (const n of stored) if (n.id !== null && n.filter !== null && (await matches(n.filter, event, clock))) ids.push(n.id);
      if (ids.length === 0) continue;
      const rows: unknown[] = await manager.query(
        `INSERT INTO ${this.schema}.integration_delivery (notification_id, event_id)
         SELECT unnest($1::bigint[]), $2 ON CONFLICT (notification_id, event_id) DO NOTHING RETURNING id`,
        [ids, event.id],
      );
      created += rows.length;
    }
    if (created > 0) await manager.query('SELECT pg_notify($1, $2)', [this.channel, '']);
    return created;
  }
}
