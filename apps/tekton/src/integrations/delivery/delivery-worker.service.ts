import { setImmediate } from 'node:timers/promises';
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter } from 'prom-client';
import type { DataSource } from 'typeorm';
import { fetch, type Agent, type Response } from 'undici';
import { LOGGER, MetricsService, type Logger } from '@kaa/observability';
import { NotifiedLoop, quoteIdent, schemaOf } from '@kaa/persistence';
import type { PlatformEvent } from '../../events/platform-event.js';
import { egressAgent } from '../egress/egress-agent.js';
import { EgressPolicy, EgressRefused } from '../egress/egress-policy.js';
import { deliveryChannel } from '../events/event-recorder.service.js';
import { INTEGRATIONS_OPTIONS, type IntegrationsOptions, type ProviderType } from '../integrations.options.js';
import { ProvidersService } from '../providers/providers.service.js';
import { displayUrl, maskSecrets } from '../secrets/mask.js';
import { backoffMs } from './backoff.js';
import { EventMatcher } from './event-matcher.js';
import { buildRequest, SkipDelivery } from './formats/formats.js';

interface Claimed {
  id: string;
  attempts: number;
  notification_name: string;
  type: ProviderType;
  address: string;
  secret_encrypted: string | null;
  timeout_ms: number;
  payload: PlatformEvent;
}

type Outcome = { status: 'delivered' | 'failed' | 'skipped'; error?: string; statusCode?: number };

const BATCH = 16;
/** A claimed delivery is invisible to other replicas this long (longer than any provider timeout). */
const LEASE_SECONDS = 90;
const MAX_ERROR_LENGTH = 1024;
const PURGE_EVERY_MS = 60 * 60 * 1000;

/**
 * Matches newly recorded events into deliveries (EventMatcher) and sends due deliveries: claims them with FOR UPDATE SKIP LOCKED under a lease (so replicas
 * share the work and a crashed replica's claims come back), sends outside any transaction,
 * then records the outcome: delivered, skipped, retried later with exponential backoff, or
 * dead after the last attempt. Woken by NOTIFY on commit and by a timer.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly schema: string;
  private readonly loop: NotifiedLoop;
  private stopped = false;
  private lastPurge = 0;
  private readonly outcomes: Counter<'outcome'>;
  /** Connects only where the egress policy allows, on the addresses actually connected to. */
  private readonly agent: Agent;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(INTEGRATIONS_OPTIONS) private readonly options: IntegrationsOptions,
    private readonly providers: ProvidersService,
    private readonly egress: EgressPolicy,
    private readonly matcher: EventMatcher,
    metrics: MetricsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    const rawSchema = schemaOf(dataSource);
    this.schema = quoteIdent(rawSchema);
    this.agent = egressAgent(egress);
    this.outcomes = new Counter({
      name: 'integration_delivery_attempts_total',
      help: 'Integration delivery attempts by outcome (delivered, failed, dead, skipped)',
      labelNames: ['outcome'] as const,
      registers: [metrics.registry],
    });
    this.loop = new NotifiedLoop({
      dataSource,
      channel: deliveryChannel(rawSchema),
      name: `${rawSchema}-integrations`,
      logger,
      work: () => this.drain(),
      nextDelayMs: () => this.options.pollMs,
    });
  }

  async onApplicationBootstrap() {
    await this.loop.start();
  }

  async beforeApplicationShutdown() {
    this.stopped = true;
    await this.loop.stop();
    await this.agent.destroy();
  }

  /** Matches what was recorded and sends whatever is due now; resolves when nothing of either is left. */
  kick(): Promise<void> {
    return this.loop.kick();
  }

  /**
   * Alternates a batch of matching (new events into deliveries) with a batch of sends, giving the
   * event loop back between them, until neither has work left.
   */
  private async drain() {
    try {
      while (!this.stopped) {
        const matched = await this.matcher.matchBatch();
        const batch = await this.claim();
        await Promise.all(batch.map((row) => this.deliver(row)));
        if (matched.events === 0 && batch.length < BATCH) break;
        await setImmediate();
      }
      if (Date.now() - this.lastPurge >= PURGE_EVERY_MS) await this.purge();
    } catch (error) {
      this.logger.warn({ err: maskSecrets((error as Error).message) }, 'integrations: delivery round failed; will retry');
    }
  }

  /** Drops events past their retention that no delivery still waits for (deliveries cascade); unmatched ones stay. */
  async purge(): Promise<number> {
    this.lastPurge = Date.now();
    const s = this.schema;
    // TypeORM answers a DELETE with [rows, rowCount], not the rows: count the rows, not the pair.
    const [purged]: [unknown[], number] = await this.dataSource.query(
      `DELETE FROM ${s}.integration_event e
       WHERE e.recorded_at < now() - make_interval(days => $1) AND e.matched_at IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM ${s}.integration_delivery d WHERE d.event_id = e.id AND d.status = 'pending')
       RETURNING e.id`,
      [this.options.retentionDays],
    );
    if (purged.length > 0) this.logger.info({ events: purged.length, retentionDays: this.options.retentionDays }, 'integrations: purged old events');
    return purged.length;
  }

  private claim(): Promise<Claimed[]> {
    const s = this.schema;
    return this.dataSource.query(
      `WITH claimed AS (
         UPDATE ${s}.integration_delivery SET next_attempt_at = now() + make_interval(secs => $2), updated_at = now()
          WHERE id IN (SELECT id FROM ${s}.integration_delivery WHERE status = 'pending' AND next_attempt_at <= now()
                        ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
          RETURNING id, attempts, notification_id, event_id)
       SELECT c.id, c.attempts, n.name AS notification_name, p.type, p.address, p.secret_encrypted, p.timeout_ms, e.payload
         FROM claimed c
         JOIN ${s}.integration_notification n ON n.id = c.notification_id
         JOIN ${s}.integration_provider p ON p.id = n.provider_id
         JOIN ${s}.integration_event e ON e.id = c.event_id`,
      [BATCH, LEASE_SECONDS],
    );
  }

  private async deliver(row: Claimed) {
    let secret: string | null = null;
    let outcome: Outcome;
    try {
      secret = row.secret_encrypted ? this.providers.secrets.decrypt(row.secret_encrypted) : null;
      outcome = await this.send(row, secret);
    } catch (error) {
      outcome = error instanceof SkipDelivery ? { status: 'skipped', error: error.message } : { status: 'failed', error: (error as Error).message };
    }
    const lastError = outcome.error ? maskSecrets(outcome.error, [secret, row.address]).slice(0, MAX_ERROR_LENGTH) : null;
    const attempts = row.attempts + 1;
    const status = outcome.status === 'failed' ? (attempts >= this.options.maxAttempts ? 'dead' : 'pending') : outcome.status;
    const delay = status === 'pending' ? backoffMs(attempts, this.options.retryBaseMs, this.options.retryMaxMs) : 0;
    await this.dataSource.query(
      `UPDATE ${this.schema}.integration_delivery
          SET attempts = $2, status = $3, last_error = $4, last_status_code = $5, updated_at = now(),
              next_attempt_at = now() + make_interval(secs => $6::double precision / 1000),
              completed_at = CASE WHEN $3 = 'pending' THEN NULL ELSE now() END
        WHERE id = $1`,
      [row.id, attempts, status, lastError, outcome.statusCode ?? null, delay],
    );
    this.outcomes.inc({ outcome: status === 'pending' ? 'failed' : status });
    if (status !== 'delivered') {
      this.logger.warn(
        { delivery: row.id, notification: row.notification_name, eventId: row.payload.id, attempts, status, err: lastError },
        status === 'dead' ? 'integrations: delivery dead-lettered' : `integrations: delivery ${status === 'skipped' ? 'skipped' : 'failed'}`,
      );
    }
  }

  /**
   * One POST, judged by its status alone. The answer's body is never read: a receiver (or an
   * internal service a provider was pointed at) must not get text into the tenant's delivery log,
   * which keeps the status code and a reason of ours.
   */
  private async send(row: Claimed, secret: string | null): Promise<Outcome> {
    const request = buildRequest({ type: row.type, address: row.address, secret, notificationName: row.notification_name }, row.payload);
    // The reason after the URL: masking takes a URL's path up to the next blank.
    const target = `POST ${displayUrl(request.url)} failed:`;
    // Rows stored before a policy change (or by hand) are judged again; the agent checks the connection.
    const refused = this.egress.urlShapeRefusal(request.url);
    if (refused) return { status: 'failed', error: `${target} ${refused}` };
    let response: Response;
    try {
      response = await fetch(request.url, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(row.timeout_ms),
        dispatcher: this.agent,
      });
    } catch (error) {
      return { status: 'failed', error: `${target} ${failureReason(error, row.timeout_ms)}` };
    }
    await response.body?.cancel().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return { status: 'delivered', statusCode: response.status };
    if (response.status >= 300 && response.status < 400) {
      return { status: 'failed', statusCode: response.status, error: `${target} ${this.redirectReason(response, request.url)}` };
    }
    return { status: 'failed', statusCode: response.status, error: `${target} receiver answered HTTP ${response.status}` };
  }

  /** Redirects are never followed (the target was not checked when the provider was stored). */
  private redirectReason(response: Response, from: string): string {
    const location = response.headers.get('location');
    const to = location === null ? undefined : parseUrl(location, from);
    if (!to) return `receiver answered HTTP ${response.status}; redirects are not followed`;
    const refused = this.egress.urlShapeRefusal(to.href);
    return `redirect to ${displayUrl(to.href)} not followed${refused ? ` (${refused})` : ''}`;
  }
}

function parseUrl(url: string, base: string): URL | undefined {
  try {
    return new URL(url, base);
  } catch {
    return undefined;
  }
}

function failureReason(error: unknown, timeoutMs: number): string {
  if ((error as Error).name === 'TimeoutError') return `timed out after ${timeoutMs} ms`;
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof EgressRefused) return cause.message;
  const { code, message } = (cause ?? {}) as { code?: string; message?: string };
  return code ?? message ?? (error as Error).message;
}
