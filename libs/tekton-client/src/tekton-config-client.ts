import type { Logger } from '@kaa/observability';
import type { NatsClient, HandlerOutcome, InboundMessage } from '@kaa/nats';
import {
  broadcastConfigurationUpdateEventCodec,
  ProtocolDecodeError,
  scmp,
  scmpScopeLevel,
  serviceSpecificConfigurationUpdateEventCodec,
  type ScmpScopeFields,
} from '@kaa/protocols';
import { AppConfigSource, emptyOwners, emptyTree, type AppOwners, type ApplicationConfigNode, type ConfigChange, type ServiceConfigTree } from './app-config-source.js';

export interface TektonConfigClientOptions {
  /** Tekton's base URL without `/api/v1`, e.g. `http://tekton:8081`. */
  tektonUrl: string;
  /** The consumer's own service instance name (whose configs it reads and whose notices it gets). */
  instanceName: string;
  /** Tekton instance whose broadcasts to follow; `'*'` (default) follows any. */
  tektonInstance?: string;
  /** Bearer token for Tekton (e.g. a cached client-credentials token). */
  token: () => Promise<string>;
  /** Called after Tekton answered 401, before the one retry (e.g. drop a cached token). */
  onUnauthorized?: () => void;
  nats: NatsClient;
  logger: Logger;
  /** `start()` resolves or rejects within this many milliseconds (default 30 000). */
  startTimeoutMs?: number;
  /** Per-request timeout (default 10 000 ms). */
  requestTimeoutMs?: number;
  /**
   * Also read who owns each application and version (`GET /bulk`, scope `kaa:application:read`),
   * with the tree; for consumers serving several tenants. Default false.
   */
  readOwners?: boolean;
}

/** One application of the registry: its tenant and version names. */
interface OwnedApp {
  tenantId: string;
  versions: string[];
}

type Json = Record<string, unknown>;
type Reason = ConfigChange['reason'];

class TektonHttpError extends Error {
  override name = 'TektonHttpError';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * A Tekton consumer: reads its whole configuration over REST on start and after every NATS
 * reconnect, re-reads just the affected part on each 17/SCMP notice, and exposes the current tree
 * and a change stream. Notices are handled one at a time, in arrival order.
 */
export class TektonConfigClient extends AppConfigSource {
  private tree: ServiceConfigTree = emptyTree();
  private registry = new Map<string, OwnedApp>();
  private ownerMaps: AppOwners = emptyOwners();
  private readonly listeners = new Set<(change: ConfigChange) => void>();
  private readonly cleanups: (() => void)[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private readonly baseUrl: string;

  constructor(private readonly options: TektonConfigClientOptions) {
    super();
    this.baseUrl = `${options.tektonUrl.replace(/\/+$/, '')}/api/v1`;
  }

  /**
   * Subscribes to the notices, then reads everything, retrying with backoff while Tekton is
   * unreachable; rejects after `startTimeoutMs` (default 30 s) if Tekton never answered.
   */
  async start(): Promise<void> {
    this.stopped = false;
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 30_000);
    const initial = this.enqueue(() => this.retrying('initial read', deadline, () => this.reloadAll('start')));
    const { nats } = this.options;
    const targeted = nats.subscribe(scmp.patterns.targeted(this.options.instanceName), (msg) => this.onTargeted(msg), {
      metricSubject: scmp.patterns.targeted(this.options.instanceName),
    });
    const broadcast = nats.subscribe(scmp.patterns.broadcast(this.options.tektonInstance ?? '*'), (msg) => this.onBroadcast(msg), {
      metricSubject: scmp.patterns.broadcast(),
    });
    this.cleanups.push(
      () => targeted.unsubscribe(),
      () => broadcast.unsubscribe(),
      nats.onReconnect(() => {
        // A notice may have been missed while disconnected.
        void this.enqueue(() => this.retrying('re-read after reconnect', Date.now() + 60_000, () => this.reloadAll('reconnect')));
      }),
    );
    await initial;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    await this.queue.catch(() => undefined);
  }

  current(): ServiceConfigTree {
    return this.tree;
  }

  onChange(listener: (change: ConfigChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  override owners(): AppOwners {
    return this.ownerMaps;
  }

  // ---- notices ------------------------------------------------------------------------------

  private onBroadcast(msg: InboundMessage): HandlerOutcome {
    let fields: ScmpScopeFields;
    try {
      fields = broadcastConfigurationUpdateEventCodec.decode(msg.data);
    } catch (error) {
      if (error instanceof ProtocolDecodeError) return this.undecodable(msg, error);
      throw error;
    }
    this.schedule(fields, msg.subject.endsWith('.delete'));
  }

  private onTargeted(msg: InboundMessage): HandlerOutcome {
    let fields: ScmpScopeFields;
    try {
      fields = serviceSpecificConfigurationUpdateEventCodec.decode(msg.data);
    } catch (error) {
      if (error instanceof ProtocolDecodeError) return this.undecodable(msg, error);
      throw error;
    }
    this.schedule(fields, msg.subject.endsWith('.delete'));
  }

  private undecodable(msg: InboundMessage, error: Error): HandlerOutcome {
    this.options.logger.warn({ subject: msg.subject, err: error.message }, 'undecodable 17/SCMP notice dropped');
    return 'decode_error';
  }

  private schedule(fields: ScmpScopeFields, deleted: boolean) {
    const level = scmpScopeLevel(fields);
    const tenantId = fields.tenantID ?? undefined;
    const appName = fields.appName ?? undefined;
    const version = fields.appVerName ?? undefined;
    const task = async () => {
      if (level === 'all' || level === null || !tenantId) return this.reloadAll('notice');
      if (level === 'tenant') return deleted ? this.reloadAll('notice') : this.reloadTenant(tenantId);
      if (!appName) return this.reloadAll('notice');
      if (level === 'application') return this.reloadApp(tenantId, appName);
      if (version) return this.reloadVersion(tenantId, appName, version);
    };
    void this.enqueue(() => this.retrying('re-read after notice', Date.now() + 30_000, task));
  }

  // ---- re-reads -----------------------------------------------------------------------------

  private async reloadAll(reason: Reason) {
    const instance = this.options.instanceName;
    const apps = await this.get(`/app-configs?serviceInstanceName=${encodeURIComponent(instance)}`);
    const tenants = await this.get(`/tenant-configs?serviceInstanceName=${encodeURIComponent(instance)}`);
    const registry = this.options.readOwners ? this.registryOf(await this.get('/bulk')) : undefined;
    this.tree = { applications: this.applicationsOf(apps), tenants: this.tenantsOf(tenants) };
    if (registry) this.setRegistry(registry);
    this.emit({ scope: 'all', reason });
  }

  private async reloadTenant(tenantId: string) {
    const instance = encodeURIComponent(this.options.instanceName);
    const tenant = encodeURIComponent(tenantId);
    const tenants = this.tenantsOf(await this.get(`/tenant-configs?serviceInstanceName=${instance}&tenantId=${tenant}`));
    const apps = this.applicationsOf(await this.get(`/app-configs?serviceInstanceName=${instance}&tenantId=${tenant}`));
    if (this.options.readOwners) {
      const owned = this.registryOf(await this.get(`/bulk?tenantId=${tenant}`));
      const registry = new Map([...this.registry].filter(([, app]) => app.tenantId !== tenantId));
      for (const [name, app] of owned) registry.set(name, app);
      this.setRegistry(registry);
    }
    const nextTenants = { ...this.tree.tenants };
    if (tenants[tenantId]) nextTenants[tenantId] = tenants[tenantId];
    else delete nextTenants[tenantId];
    this.tree = { applications: { ...this.tree.applications, ...apps }, tenants: nextTenants };
    this.emit({ scope: 'tenant', tenantId, reason: 'notice' });
  }

  private async reloadApp(tenantId: string, appName: string) {
    const body = await this.get(`/app-configs/applications/${encodeURIComponent(appName)}?serviceInstanceName=${encodeURIComponent(this.options.instanceName)}`);
    const applications = { ...this.tree.applications };
    const config = this.applicationsOf(body)[appName];
    if (this.options.readOwners) await this.refreshOwnersOf(appName);
    if (config === undefined) delete applications[appName];
    else applications[appName] = { ...config, versions: applications[appName]?.versions ?? {} };
    this.tree = { ...this.tree, applications };
    this.emit({ scope: 'application', tenantId, appName, reason: 'notice' });
  }

  private async reloadVersion(tenantId: string, appName: string, version: string) {
    if (!this.tree.applications[appName]) await this.reloadApp(tenantId, appName);
    else if (this.options.readOwners) await this.refreshOwnersOf(appName);
    const path = `/app-configs/applications/${encodeURIComponent(appName)}/app-versions/${encodeURIComponent(version)}`;
    const body = await this.get(`${path}?serviceInstanceName=${encodeURIComponent(this.options.instanceName)}`);
    const config = this.applicationsOf(body)[appName]?.versions?.[version];
    const app = this.tree.applications[appName];
    if (app) {
      const versions = { ...app.versions };
      if (config === undefined) delete versions[version];
      else versions[version] = config;
      this.tree = { ...this.tree, applications: { ...this.tree.applications, [appName]: { ...app, versions } } };
    }
    this.emit({ scope: 'app-version', tenantId, appName, appVersionName: version, reason: 'notice' });
  }

  private applicationsOf(body: Json | undefined): Record<string, ApplicationConfigNode> {
    const apps = (body?.[this.options.instanceName] as { kaa?: { applications?: unknown } } | undefined)?.kaa?.applications;
    if (!isObject(apps)) return {};
    const result: Record<string, ApplicationConfigNode> = {};
    for (const [name, node] of Object.entries(apps)) {
      if (!isObject(node)) continue;
      const versions = isObject(node.versions) ? (node.versions as Record<string, Record<string, unknown>>) : undefined;
      result[name] = { ...node, ...(versions ? { versions } : {}) };
    }
    return result;
  }

  /** One application's entry of the registry, re-read (gone when Tekton answers 404). */
  private async refreshOwnersOf(appName: string) {
    const owned = this.registryOf(await this.get(`/bulk?appName=${encodeURIComponent(appName)}`));
    const registry = new Map(this.registry);
    registry.delete(appName);
    const app = owned.get(appName);
    if (app) registry.set(appName, app);
    this.setRegistry(registry);
  }

  /** `GET /bulk` → application → {tenant, versions}; undefined (404) = nothing visible. */
  private registryOf(body: Json | undefined): Map<string, OwnedApp> {
    const registry = new Map<string, OwnedApp>();
    const tenants = body?.['tenants'];
    if (!Array.isArray(tenants)) return registry;
    for (const tenant of tenants) {
      if (!isObject(tenant) || typeof tenant['tenantId'] !== 'string' || !Array.isArray(tenant['applications'])) continue;
      for (const app of tenant['applications']) {
        if (!isObject(app) || typeof app['name'] !== 'string') continue;
        const versions = Array.isArray(app['versions']) ? app['versions'] : [];
        registry.set(app['name'], {
          tenantId: tenant['tenantId'],
          versions: versions.flatMap((v) => (typeof v === 'string' ? [v] : isObject(v) && typeof v['name'] === 'string' ? [v['name']] : [])),
        });
      }
    }
    return registry;
  }

  private setRegistry(registry: Map<string, OwnedApp>) {
    this.registry = registry;
    const applications: Record<string, string> = {};
    const versions: Record<string, string> = {};
    for (const [name, app] of registry) {
      applications[name] = app.tenantId;
      for (const version of app.versions) versions[version] = app.tenantId;
    }
    this.ownerMaps = { applications, versions };
  }

  private tenantsOf(body: Json | undefined): Record<string, { config: unknown }> {
    const tenants = (body?.[this.options.instanceName] as { kaa?: { tenants?: unknown } } | undefined)?.kaa?.tenants;
    if (!isObject(tenants)) return {};
    const result: Record<string, { config: unknown }> = {};
    for (const [id, node] of Object.entries(tenants)) if (isObject(node)) result[id] = { config: node.config ?? {} };
    return result;
  }

  // ---- plumbing -----------------------------------------------------------------------------

  private emit(change: ConfigChange) {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.options.logger.error({ err: (error as Error).message }, 'configuration change listener failed');
      }
    }
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Runs `task` until it succeeds, backing off (250 ms doubling to 5 s) until `deadline`. */
  private async retrying(what: string, deadline: number, task: () => Promise<void>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (this.stopped) return;
      try {
        return await task();
      } catch (error) {
        const wait = Math.min(5000, 250 * 2 ** attempt);
        if (Date.now() + wait > deadline) {
          this.options.logger.error({ err: (error as Error).message, attempts: attempt + 1 }, `tekton ${what} failed`);
          throw new Error(`tekton ${what} failed after ${attempt + 1} attempts: ${(error as Error).message}`);
        }
        this.options.logger.warn({ err: (error as Error).message, retryInMs: wait }, `tekton ${what} failed; retrying`);
        await sleep(wait);
      }
    }
  }

  /** GET returning the JSON body, or undefined for 404 (the resource is gone or not visible). */
  private async get(path: string): Promise<Json | undefined> {
    for (let attempt = 0; ; attempt++) {
      const response = await fetch(`${this.baseUrl}${path}`, {
        headers: { authorization: `Bearer ${await this.options.token()}`, accept: 'application/json' },
        signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 10_000),
      });
      if (response.status === 401 && attempt === 0 && this.options.onUnauthorized) {
        await response.body?.cancel();
        this.options.onUnauthorized();
        continue;
      }
      if (response.status === 404) {
        await response.body?.cancel();
        return undefined;
      }
      if (!response.ok) throw new TektonHttpError(`GET ${path}: HTTP ${response.status} ${await response.text().catch(() => '')}`);
      return (await response.json()) as Json;
    }
  }
}
