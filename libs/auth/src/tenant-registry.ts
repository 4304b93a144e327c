import { readFile } from 'node:fs/promises';
import { z } from 'zod';

export interface Tenant {
  id: string;
  issuer: string;
  jwksUri: string;
  /** When set, a token of this tenant must name it in `aud` (overrides JWT_AUDIENCE). */
  audience?: string;
}

const tenantList = z.array(
  z.object({ id: z.string().min(1), issuer: z.string().url(), jwksUri: z.string().url(), audience: z.string().min(1).optional() }),
);

export type TenantSource = { tenantsFile: string } | { tenantManagerUrl: string; refreshSeconds: number };

/** The tenant source from the validated environment (exactly one of the two is set). */
export function tenantSourceFromEnv(env: { TENANTS_FILE?: string; TENANT_MANAGER_URL?: string; TENANT_REFRESH_SECONDS: number }): TenantSource {
  if (env.TENANTS_FILE) return { tenantsFile: env.TENANTS_FILE };
  if (env.TENANT_MANAGER_URL) return { tenantManagerUrl: env.TENANT_MANAGER_URL, refreshSeconds: env.TENANT_REFRESH_SECONDS };
  throw new TenantSourceError('neither TENANTS_FILE nor TENANT_MANAGER_URL is set');
}

export class TenantSourceError extends Error {
  override name = 'TenantSourceError';
}

/**
 * The tenants and their OAuth 2.0 issuers, from a file or from a tenant manager's
 * `GET /tenants`. A tenant manager's list is cached and refreshed; an unknown issuer also
 * triggers a refresh (at most once per `minRefreshGapMs`) so a new tenant works without restart.
 */
export class TenantRegistry {
  private byIssuer = new Map<string, Tenant>();
  private byId = new Map<string, Tenant>();
  private lastLoad = 0;
  private timer?: NodeJS.Timeout;
  private loading?: Promise<void>;
  private readonly changeListeners = new Set<() => void>();

  constructor(
    private readonly source: TenantSource,
    private readonly minRefreshGapMs = 5000,
  ) {}

  async start() {
    await this.load();
    if ('tenantManagerUrl' in this.source) {
      this.timer = setInterval(() => void this.load().catch(() => undefined), this.source.refreshSeconds * 1000);
      this.timer.unref();
    }
  }

  stop() {
    clearInterval(this.timer);
  }

  /** Called when a (re)load changed the list, so caches of decisions made on the old list can be dropped. */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  list(): Tenant[] {
    return [...this.byId.values()];
  }

  get(id: string): Tenant | undefined {
    return this.byId.get(id);
  }

  async findByIssuer(issuer: string): Promise<Tenant | undefined> {
    const known = this.byIssuer.get(issuer);
    if (known || !('tenantManagerUrl' in this.source)) return known;
    if (Date.now() - this.lastLoad < this.minRefreshGapMs) return undefined;
    await this.load().catch(() => undefined);
    return this.byIssuer.get(issuer);
  }

  private load(): Promise<void> {
    this.loading ??= this.fetchList()
      .then((tenants) => {
        const changed = JSON.stringify(tenants) !== JSON.stringify(this.list());
        this.byIssuer = new Map(tenants.map((t) => [t.issuer, t]));
        this.byId = new Map(tenants.map((t) => [t.id, t]));
        this.lastLoad = Date.now();
        if (changed) for (const listener of this.changeListeners) listener();
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  private async fetchList(): Promise<Tenant[]> {
    let raw: unknown;
    if ('tenantsFile' in this.source) {
      const file = this.source.tenantsFile;
      try {
        raw = JSON.parse(await readFile(file, 'utf8'));
      } catch (error) {
        throw new TenantSourceError(`TENANTS_FILE ${file}: ${(error as Error).message}`);
      }
    } else {
      const url = `${this.source.tenantManagerUrl.replace(/\/$/, '')}/tenants`;
      const response = await fetch(url, { signal: AbortSignal.timeout(5000) }).catch((error: Error) => {
        throw new TenantSourceError(`tenant manager ${url}: ${error.message}`);
      });
      if (!response.ok) throw new TenantSourceError(`tenant manager ${url}: HTTP ${response.status}`);
      raw = await response.json();
    }
    const parsed = tenantList.safeParse(raw);
    if (!parsed.success) {
      throw new TenantSourceError(
        `tenant list is not [{"id","issuer","jwksUri","audience"?}]: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    return parsed.data;
  }
}
