import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { currentCorrelationId } from '@kaa/observability';
import { channelName, quoteIdent, schemaOf } from '@kaa/persistence';
import { PlatformEventSink, type PlatformEvent } from '../../events/platform-event.js';
import { MAX_SUMMARY_LENGTH } from '../notifications/notification-filter.js';
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
 * Stores normalised events, idempotent on the event id, in the caller's transaction or
 * statement. Nothing else: no notification is read and no filter runs here, so a change's
 * write costs the same whatever its tenant's filters are. New events are stored unmatched
 * (`matched_at` null) and wake the delivery worker by NOTIFY on commit; it matches them
 * (EventMatcher). Events carrying the notifier's marker are stored as already matched: they
 * never match a notification.
 */
@Injectable()
export class EventRecorder extends PlatformEventSink {
  private readonly schema: string;
  private readonly channel: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    super();
    const schema = schemaOf(dataSource);
    this.schema = quoteIdent(schema);
    this.channel = deliveryChannel(schema);
  }

  /** PlatformEventSink: tekton's own changes, inside the change's transaction. */
  async record(manager: EntityManager, events: PlatformEvent[]): Promise<void> {
    const fromEvent = events.map((e) => e.data?.['correlationId']).find((c): c is string => typeof c === 'string');
    await this.store((text, params) => manager.query(text, params), events, { origin: 'tekton', producedBy: currentProducedBy(), correlationId: fromEvent ?? currentCorrelationId() });
  }

  recordItem(name: string, event: PlatformEvent, params: unknown[], revision: { from: string; summaryTail: string; dataKey: string }): string {
    const param = (value: unknown) => `$${params.push(value)}`;
    const fromEvent = event.data?.['correlationId'];
    const correlationId = typeof fromEvent === 'string' ? fromEvent : currentCorrelationId();
    const producedBy = currentProducedBy() ?? null;
    const summary = `left(${param(event.summary)}::text || r.revision || ${param(revision.summaryTail)}::text, ${MAX_SUMMARY_LENGTH})`;
    return `${name} AS (
      INSERT INTO ${this.schema}.integration_event (id, type, tenant_id, summary, payload, origin, correlation_id, produced_by, matched_at)
      SELECT ${param(event.id)}::text, ${param(event.type)}::text, ${param(event.tenantId)}::text, ${summary},
        jsonb_set(jsonb_set(${param(JSON.stringify({ ...event, data: event.data ?? {} }))}::jsonb, '{summary}', to_jsonb(${summary})), ${param(['data', revision.dataKey])}::text[], to_jsonb(r.revision)),
        'tekton', ${param(correlationId ?? null)}::text, ${param(producedBy)}::text, ${producedBy === null ? 'NULL' : 'now()'}
      FROM ${revision.from} r
      ON CONFLICT (id) DO NOTHING
      RETURNING ${producedBy === null ? `pg_notify(${param(this.channel)}, '')` : 'id'})`;
  }

  /**
   * Events from NATS, in one statement of their own; a redelivered message changes nothing.
   * Resolves once the events are committed. Returns how many were new.
   */
  recordExternal(events: PlatformEvent[], options: Omit<RecordOptions, 'origin'>): Promise<number> {
    return this.store((text, params) => this.dataSource.query(text, params), events, { ...options, origin: 'nats' });
  }

  /** One statement: the events that are new, and (unless produced by the notifier) a NOTIFY for the worker. */
  private async store(run: (text: string, params: unknown[]) => Promise<unknown[]>, events: PlatformEvent[], options: RecordOptions): Promise<number> {
    if (events.length === 0) return 0;
    const payloads = events.map((event) => ({ ...event, summary: event.summary.slice(0, MAX_SUMMARY_LENGTH) }));
    const rows = await run(
      `WITH inserted AS (
         INSERT INTO ${this.schema}.integration_event (id, type, tenant_id, summary, payload, origin, correlation_id, produced_by, matched_at)
         SELECT e->>'id', e->>'type', e->>'tenantId', e->>'summary', e, $2::text, $3::text, $4::text, CASE WHEN $4::text IS NULL THEN NULL ELSE now() END
           FROM jsonb_array_elements($1::jsonb) e
         ON CONFLICT (id) DO NOTHING RETURNING id)
       SELECT count(*)::int AS new, CASE WHEN count(*) > 0 AND $4::text IS NULL THEN pg_notify($5, '') END FROM inserted`,
      [JSON.stringify(payloads), options.origin, options.correlationId ?? null, options.producedBy ?? null, this.channel],
    );
    return (rows[0] as { new: number }).new;
  }
}
