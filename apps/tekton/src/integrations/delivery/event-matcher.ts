import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { quoteIdent, schemaOf } from '@kaa/persistence';
import type { PlatformEvent } from '../../events/platform-event.js';
import { INTEGRATIONS_OPTIONS, type IntegrationsOptions } from '../integrations.options.js';
import { MatchClock, matches, type NotificationFilter } from '../notifications/notification-filter.js';

/** Events matched per batch, and at most this many of one tenant's (its backlog waits for the next batch). */
export const MATCH_BATCH = 32;
export const MATCH_PER_TENANT = 4;
/** Matching rests as long as it ran: at most half of the event loop goes to it, whatever the backlog. */
const REST_RATIO = 1;

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

/**
 * Matches recorded events against their tenant's notifications and creates the deliveries, in
 * the delivery worker, after the change that recorded them committed: a tenant's filters cost
 * nothing in anyone's write requests. Events are taken in batches of {@link MATCH_BATCH},
 * round-robin by tenant (at most {@link MATCH_PER_TENANT} of one tenant per batch, each tenant's
 * oldest first), so one tenant's backlog delays another tenant's next event by at most one
 * batch. Filters give the event loop back every few milliseconds and then rest as long as they
 * ran (MatchClock), so requests keep at least half of the event loop; the caller yields between
 * batches. A batch's events are locked (SKIP LOCKED: replicas take different
 * ones) and marked matched in the transaction that creates their deliveries, which are unique on
 * (notification, event) as before.
 *
 * Which notifications an event matches: those of its tenant (the platform tenant's for events
 * without one) that are not suspended when it is matched and existed when it was recorded (a new
 * notification does not replay older events).
 */
@Injectable()
export class EventMatcher {
  private readonly schema: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(INTEGRATIONS_OPTIONS) private readonly options: IntegrationsOptions,
  ) {
    this.schema = quoteIdent(schemaOf(dataSource));
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
      const pairs: { notification: string[]; event: string[] } = { notification: [], event: [] };
      const clock = new MatchClock(REST_RATIO);
      for (const event of events) {
        for (const n of notifications) {
          if (n.tenant_id !== event.tenant || n.created_at > event.recorded_at) continue;
          if (await matches(n.filter, event.payload, clock)) {
            pairs.notification.push(n.id);
            pairs.event.push(event.id);
          }
        }
      }
      const [{ created }] = await manager.query(
        `WITH marked AS (UPDATE ${this.schema}.integration_event SET matched_at = now() WHERE id = ANY($3::text[])),
         inserted AS (
           INSERT INTO ${this.schema}.integration_delivery (notification_id, event_id)
           SELECT * FROM unnest($1::bigint[], $2::text[]) ON CONFLICT (notification_id, event_id) DO NOTHING RETURNING id)
         SELECT count(*)::int AS created FROM inserted`,
        [pairs.notification, pairs.event, events.map((e) => e.id)],
      );
      return { events: events.length, deliveries: created as number };
    });
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
