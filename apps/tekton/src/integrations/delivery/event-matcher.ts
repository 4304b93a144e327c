import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter } from 'prom-client';
import type { DataSource, EntityManager } from 'typeorm';
import { LOGGER, MetricsService, type Logger } from '@kaa/observability';
import { quoteIdent, schemaOf } from '@kaa/persistence';
import type { PlatformEvent } from '../../events/platform-event.js';
import { INTEGRATIONS_OPTIONS, type IntegrationsOptions } from '../integrations.options.js';
import type { NotificationFilter } from '../notifications/notification-filter.js';
import type { MatchAnswer } from './filter-match.js';
import { MatchPoolClosed, MatchTimedOut, MatchWorkerPool } from './match-worker-pool.js';

/** Events matched per batch, and at most this many of one tenant's (its backlog waits for the next batch). */
export const MATCH_BATCH = 32;
export const MATCH_PER_TENANT = 4;
/**
 * One event's matching is cut off after this (wall-clock): 50 times the worst the limits let
 * through (about 100 ms of CPU), so that a worker starved of CPU on a loaded machine is not taken
 * for a stuck one, which is all this is for.
 */
export const MATCH_TIMEOUT_MS = 5000;

interface Unmatched {
  id: string;
  tenant: string;
  recorded_at: Date;
  payload: PlatformEvent;
}

interface Candidate {
  id: string;
  tenant_id: string;
  created_at: Date;
  filter: NotificationFilter;
}

type MatchFailure = 'timeout' | 'failed' | 'over-budget';

/**
 * Matches recorded events against their tenant's notifications and creates the deliveries, in
 * the delivery worker, after the change that recorded them committed: a tenant's filters cost
 * nothing in anyone's write requests. Events are taken in batches of {@link MATCH_BATCH},
 * round-robin by tenant (at most {@link MATCH_PER_TENANT} of one tenant per batch, each tenant's
 * oldest first), so one tenant's backlog delays another tenant's next event by at most one
 * batch. The filters run in worker threads (MatchWorkerPool), never on the event loop that serves
 * requests; this class keeps the database work. A batch's events are locked (SKIP LOCKED:
 * replicas take different ones) and marked matched in the transaction that creates their
 * deliveries, which are unique on (notification, event) as before.
 *
 * Which notifications an event matches: those of its tenant (the platform tenant's for events
 * without one) that are not suspended when it is matched and existed when it was recorded (a new
 * notification does not replay older events).
 *
 * An event whose matching timed out or failed is marked matched with no delivery and the reason
 * in `integration_event.match_error`; it is not retried, since the same filters and summary
 * would cost the same again. Notifications skipped over the per-event budget are named there too.
 */
@Injectable()
export class EventMatcher implements OnApplicationShutdown {
  private readonly schema: string;
  private readonly pool: MatchWorkerPool;
  private readonly failures: Counter<'reason'>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(INTEGRATIONS_OPTIONS) private readonly options: IntegrationsOptions,
    metrics: MetricsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.schema = quoteIdent(schemaOf(dataSource));
    this.pool = new MatchWorkerPool({ workers: options.matchWorkers, timeoutMs: MATCH_TIMEOUT_MS });
    this.failures = new Counter({
      name: 'integration_match_failures_total',
      help: 'Events not (fully) matched against notifications, by reason (timeout, failed, over-budget)',
      labelNames: ['reason'] as const,
      registers: [metrics.registry],
    });
  }

  async onApplicationShutdown() {
    await this.pool.close();
  }

  /** Matches one batch; returns how many events it took (none: nothing is waiting, or other replicas hold it). */
  async matchBatch(): Promise<{ events: number; deliveries: number }> {
    return this.dataSource.transaction(async (manager) => {
      const events = await this.take(manager);
      if (events.length === 0) return { events: 0, deliveries: 0 };
      const tenants = [...new Set(events.map((e) => e.tenant))];
      const notifications: Candidate[] = await manager.query(
        `SELECT id, tenant_id, created_at, filter FROM ${this.schema}.integration_notification WHERE tenant_id = ANY($1::text[]) AND NOT suspend ORDER BY id`,
        [tenants],
      );
      const outcomes = await Promise.all(events.map((event) => this.matchEvent(event, notifications)));
      const pairs: { notification: string[]; event: string[] } = { notification: [], event: [] };
      outcomes.forEach(({ matched }, i) => {
        for (const id of matched) {
          pairs.notification.push(id);
          pairs.event.push(events[i].id);
        }
      });
      const [{ created }] = await manager.query(
        `WITH marked AS (
           UPDATE ${this.schema}.integration_event e SET matched_at = now(), match_error = m.error
             FROM unnest($3::text[], $4::text[]) AS m(id, error) WHERE e.id = m.id),
         inserted AS (
           INSERT INTO ${this.schema}.integration_delivery (notification_id, event_id)
           SELECT * FROM unnest($1::bigint[], $2::text[]) ON CONFLICT (notification_id, event_id) DO NOTHING RETURNING id)
         SELECT count(*)::int AS created FROM inserted`,
        [pairs.notification, pairs.event, events.map((e) => e.id), outcomes.map((o) => o.error)],
      );
      return { events: events.length, deliveries: created as number };
    });
  }

  /** One event in a worker; a timeout or failure leaves it without deliveries, with the reason. */
  private async matchEvent(event: Unmatched, notifications: Candidate[]): Promise<{ matched: string[]; error: string | null }> {
    const candidates = notifications
      .filter((n) => n.tenant_id === event.tenant && n.created_at <= event.recorded_at)
      .map(({ id, filter }) => ({ id: String(id), filter }));
    if (candidates.length === 0) return { matched: [], error: null };
    const { type, application, appVersion, serviceInstance, summary } = event.payload;
    let answer: MatchAnswer;
    try {
      answer = await this.pool.match({ event: { type, application, appVersion, serviceInstance, summary }, notifications: candidates });
    } catch (error) {
      if (error instanceof MatchPoolClosed) throw error;
      return { matched: [], error: this.failed(event, error instanceof MatchTimedOut ? 'timeout' : 'failed', (error as Error).message) };
    }
    if (answer.overBudget.length === 0) return { matched: answer.matched, error: null };
    const reason = `notifications ${answer.overBudget.join(', ')} not matched: their filters would take the event past its regex budget`;
    return { matched: answer.matched, error: this.failed(event, 'over-budget', reason) };
  }

  private failed(event: Unmatched, reason: MatchFailure, message: string): string {
    this.failures.inc({ reason });
    this.logger.warn({ eventId: event.id, tenant: event.tenant, reason, err: message }, 'integrations: event not fully matched');
    return message;
  }

  /**
   * The next batch: each tenant's oldest unmatched events ranked 1, 2, … and taken rank by rank
   * (round-robin across tenants), locked so that other replicas take others.
   */
  private take(manager: EntityManager): Promise<Unmatched[]> {
    const s = this.schema;
    return manager.query(
      `WITH ranked AS (
         SELECT id, recorded_at, row_number() OVER (PARTITION BY coalesce(tenant_id, $3::text) ORDER BY recorded_at, id) AS rank
           FROM ${s}.integration_event WHERE matched_at IS NULL),
       picked AS (SELECT id, rank, recorded_at FROM ranked WHERE rank <= $2 ORDER BY rank, recorded_at, id LIMIT $1)
       SELECT e.id, coalesce(e.tenant_id, $3::text) AS tenant, e.recorded_at, e.payload
         FROM ${s}.integration_event e JOIN picked p ON p.id = e.id
        WHERE e.matched_at IS NULL
        ORDER BY p.rank, p.recorded_at, p.id
          FOR UPDATE OF e SKIP LOCKED`,
      [MATCH_BATCH, MATCH_PER_TENANT, this.options.platformTenant],
    );
  }
}
