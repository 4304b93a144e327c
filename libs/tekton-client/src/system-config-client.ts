import type { Logger } from '@kaa/observability';
import { NatsHeaders, type HandlerOutcome, type InboundMessage, type NatsClient } from '@kaa/nats';
import { ProtocolDecodeError, systemConfig, systemConfigUpdatedCodec, type SystemConfigLevel } from '@kaa/protocols';

/** How ECR's REST paths name each level: `/system/{segment}/{id}/configs`. */
const SEGMENTS: Record<SystemConfigLevel, string> = { TENANT: 'tenants', APPLICATION: 'applications', APP_VERSION: 'app-versions', ENDPOINT: 'endpoints' };

export interface SystemConfigClientOptions {
  /** ECR's base URL without `/api/v1`, e.g. `http://ecr:8082`. */
  ecrUrl: string;
  /** The ECR instance whose 27/SCMP SystemConfigUpdated to follow. */
  ecrInstance: string;
  /** The level whose current configs to keep (the service's own place in the hierarchy). */
  level: SystemConfigLevel;
  levelId: string;
  /** The config names to keep current (e.g. `['default']`). */
  names: readonly string[];
  /** Endpoint level: the app version the endpoint inherits from. */
  appVersionName?: string;
  /** Endpoint level, platform tenant only: whose endpoint. */
  tenantId?: string;
  /** Bearer token for ECR (e.g. a cached client-credentials token). */
  token: () => Promise<string>;
  /** Called after ECR answered 401, before the one retry (e.g. drop a cached token). */
  onUnauthorized?: () => void;
  nats: NatsClient;
  logger: Logger;
  /** Per-request timeout (default 10 000 ms). */
  requestTimeoutMs?: number;
}

/** A current system configuration: the JSON document parsed, and the level it came from. */
export interface SystemConfigValue {
  configId: string;
  name: string;
  displayName: string | null;
  config: unknown;
  level: SystemConfigLevel;
  levelId: string;
  updatedAt: string;
}

/** One 27/SCMP change as a follower sees it. */
export interface SystemConfigNotice {
  tenantId: string;
  level: string;
  levelId: string;
  name: string;
  /** The new document, parsed; undefined when the config was deleted (empty content). */
  config: unknown;
  /** `Kaa-Config-Revision`, when the publisher sent it (ECR does). */
  revision?: bigint;
  correlationId: string;
}

class EcrHttpError extends Error {
  override name = 'EcrHttpError';
}

/**
 * What a Kaa service embeds to use its system configuration: reads the current config of each
 * name at its level (inherited from the levels above, as ECR resolves it) on start and after every
 * NATS reconnect, and re-reads a name on each 27/SCMP notice about it. `onNotice` hands every
 * change to the caller once, in order per configuration: a notice whose revision is not above the
 * last one seen for that configuration (a repeat after a reconnect or a relay retry) is dropped.
 * `onChange` reports a name whose current value changed. Re-reads run one at a time.
 */
export class SystemConfigClient {
  private readonly values = new Map<string, { etag: string | null; value: SystemConfigValue | undefined }>();
  private readonly revisions = new Map<string, bigint>();
  private readonly changeListeners = new Set<(name: string, value: SystemConfigValue | undefined) => void>();
  private readonly noticeListeners = new Set<(notice: SystemConfigNotice) => void>();
  private readonly cleanups: (() => void)[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private readonly baseUrl: string;

  constructor(private readonly options: SystemConfigClientOptions) {
    this.baseUrl = `${options.ecrUrl.replace(/\/+$/, '')}/api/v1`;
  }

  /** Subscribes, then reads every name; rejects when ECR does not answer. */
  async start(): Promise<void> {
    const { nats } = this.options;
    const subject = systemConfig.updated(this.options.ecrInstance);
    const sub = nats.subscribe(subject, (msg) => this.onMessage(msg), { metricSubject: subject });
    this.cleanups.push(
      () => sub.unsubscribe(),
      nats.onReconnect(() => {
        // Notices may have been missed while disconnected.
        void this.enqueue(() => this.readAll()).catch((error: Error) => this.options.logger.warn({ err: error.message }, 'system config re-read after reconnect failed'));
      }),
    );
    await this.enqueue(() => this.readAll());
  }

  async stop(): Promise<void> {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    await this.queue.catch(() => undefined);
  }

  current(name: string): SystemConfigValue | undefined {
    return this.values.get(name)?.value;
  }

  onChange(listener: (name: string, value: SystemConfigValue | undefined) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  onNotice(listener: (notice: SystemConfigNotice) => void): () => void {
    this.noticeListeners.add(listener);
    return () => this.noticeListeners.delete(listener);
  }

  private onMessage(msg: InboundMessage): HandlerOutcome {
    let decoded;
    try {
      decoded = systemConfigUpdatedCodec.decode(msg.data);
    } catch (error) {
      if (!(error instanceof ProtocolDecodeError)) throw error;
      this.options.logger.warn({ subject: msg.subject, err: error.message }, 'undecodable 27/SCMP notice dropped');
      return 'decode_error';
    }
    const key = JSON.stringify([decoded.tenantId, decoded.configLevel, decoded.configLevelId, decoded.configName]);
    const header = msg.headers?.get(NatsHeaders.configRevision);
    const revision = header && /^\d+$/.test(header) ? BigInt(header) : undefined;
    if (revision !== undefined) {
      const last = this.revisions.get(key);
      if (last !== undefined && revision <= last) return 'ignored';
      this.revisions.set(key, revision);
    }
    const content = Buffer.from(decoded.content).toString('utf8');
    let config: unknown;
    try {
      config = content === '' ? undefined : JSON.parse(content);
    } catch {
      config = content;
    }
    const notice: SystemConfigNotice = {
      tenantId: decoded.tenantId,
      level: decoded.configLevel,
      levelId: decoded.configLevelId,
      name: decoded.configName,
      config,
      revision,
      correlationId: decoded.correlationId,
    };
    for (const listener of this.noticeListeners) listener(notice);
    if (this.options.names.includes(notice.name)) {
      void this.enqueue(() => this.read(notice.name)).catch((error: Error) => this.options.logger.warn({ err: error.message, name: notice.name }, 'system config re-read failed'));
    }
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task, task);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async readAll() {
    for (const name of this.options.names) await this.read(name);
  }

  private async read(name: string) {
    const { level, levelId, appVersionName, tenantId } = this.options;
    const query = new URLSearchParams({ name });
    if (appVersionName) query.set('appVersionName', appVersionName);
    if (tenantId) query.set('tenantId', tenantId);
    const response = await this.get(`/system/${SEGMENTS[level]}/${encodeURIComponent(levelId)}/configs/current?${query}`);
    const previous = this.values.get(name);
    if (response.status === 404) {
      this.values.set(name, { etag: null, value: undefined });
      if (previous?.value !== undefined) this.emit(name, undefined);
      return;
    }
    const etag = response.headers.get('etag');
    if (previous && previous.etag === etag) return;
    const body = (await response.json()) as { configId: string; name: string; displayName: string | null; config: string; updatedAt: string };
    const value: SystemConfigValue = {
      configId: body.configId,
      name: body.name,
      displayName: body.displayName,
      config: JSON.parse(body.config),
      level: (response.headers.get('x-kaa-config-level') ?? level) as SystemConfigLevel,
      levelId: decodeURIComponent(response.headers.get('x-kaa-config-level-id') ?? levelId),
      updatedAt: body.updatedAt,
    };
    this.values.set(name, { etag, value });
    this.emit(name, value);
  }

  private emit(name: string, value: SystemConfigValue | undefined) {
    for (const listener of this.changeListeners) listener(name, value);
  }

  /** GET with the bearer token; one retry after a 401; 200 and 404 are answers, anything else throws. */
  private async get(path: string, retried = false): Promise<Response> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      headers: { authorization: `Bearer ${await this.options.token()}` },
      signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 10_000),
    });
    if (response.status === 401 && !retried) {
      this.options.onUnauthorized?.();
      return this.get(path, true);
    }
    if (response.status !== 200 && response.status !== 404) throw new EcrHttpError(`ECR answered ${response.status} to GET ${path}: ${await response.text()}`);
    return response;
  }
}
