import type { EntityManager } from 'typeorm';

/** Kinds of platform events that integrations can be notified of. */
export type PlatformEventType =
  | 'application.upserted'
  | 'application.deleted'
  | 'app-version.upserted'
  | 'app-version.deleted'
  | 'app-config.changed'
  | 'app-version-config.changed'
  | 'tenant-config.changed'
  | 'endpoint-config.updated'
  | 'endpoint-config.applied'
  | 'endpoint.lifecycle'
  | 'runtime.watch.changed';

/** One shape for every event, whatever its source; `id` is stable so redelivery deduplicates. */
export interface PlatformEvent {
  id: string;
  type: PlatformEventType;
  tenantId: string | null;
  application?: string;
  appVersion?: string;
  serviceInstance?: string;
  /** One line a person can read; include/exclude filters match on it. */
  summary: string;
  /** Commit and repository from `X-Kaa-Revision` / `X-Kaa-Source`, when the change carried them. */
  revision?: string;
  source?: string;
  author?: string;
  occurredAt: string;
  data?: Record<string, unknown>;
}

/**
 * Where tekton's own changes are recorded for integrations, inside the change's transaction or
 * statement (so a committed change is always notified). Recording never reads notifications and
 * runs no filter: the delivery worker matches recorded events after they committed. The
 * integrations module provides the real sink.
 */
export abstract class PlatformEventSink {
  abstract record(manager: EntityManager, events: PlatformEvent[]): Promise<void>;

  /**
   * `event` as a data-modifying WITH item `name` of the statement that stores the change: one
   * event per row of the item `from`, whose `revision` column ends the summary (followed by
   * `summaryTail`) and is set as `data[dataKey]`.
   */
  abstract recordItem(name: string, event: PlatformEvent, params: unknown[], revision: { from: string; summaryTail: string; dataKey: string }): string;
}
