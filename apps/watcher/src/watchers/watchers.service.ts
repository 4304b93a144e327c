import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { conflict, notFound, pageFigures, type Page, type PageLimits, type PageRequest } from '@kaa/server';
import { WATCHER_ENV, type WatcherEnv } from '../config/env.js';
import { ShortLivedCache } from '../listener/short-lived-cache.js';
import type { WatcherDto } from './dto/watcher.dto.js';
import { Watcher } from './watcher.entity.js';

export interface WatcherView {
  id: string;
  component: string;
  resourceToWatch: { group: string; version: string; resource: string };
  labelsToWatch: Record<string, string>;
  field: Watcher['field'];
  createdAt: string;
  updatedAt: string;
}

export const watcherView = (w: Watcher): WatcherView => ({
  id: w.id,
  component: w.component,
  resourceToWatch: { group: w.resourceGroup, version: w.resourceVersion, resource: w.resource },
  labelsToWatch: w.labelsToWatch,
  field: w.field,
  createdAt: w.createdAt.toISOString(),
  updatedAt: w.updatedAt.toISOString(),
});

const columns = (dto: WatcherDto) => ({
  component: dto.component,
  resourceGroup: dto.resourceToWatch.group,
  resourceVersion: dto.resourceToWatch.version,
  resource: dto.resourceToWatch.resource,
  labelsToWatch: dto.labelsToWatch ?? {},
  field: dto.field,
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class WatchersService {
  private readonly byComponent: ShortLivedCache<Watcher[]>;
  private readonly maxPerTenant: number;
  /** By default a page holds as many watchers as a tenant may have. */
  readonly listPage: PageLimits;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(WATCHER_ENV) env: WatcherEnv,
  ) {
    this.byComponent = new ShortLivedCache(env.LISTENER_CACHE_MS);
    this.maxPerTenant = env.WATCHER_MAX_WATCHERS_PER_TENANT;
    this.listPage = { defaultSize: this.maxPerTenant, maxSize: this.maxPerTenant };
  }

  private get repo() {
    return this.dataSource.getRepository(Watcher);
  }

  async create(tenantId: string, dto: WatcherDto): Promise<WatcherView> {
    // Every event of a component fans out to its watchers: their number per tenant is bounded.
    const created = await this.dataSource.transaction(async (manager) => {
      // Serializes the tenant's creations, so concurrent ones cannot pass the limit together.
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`watcher:watchers:${tenantId}`]);
      const count = await manager.countBy(Watcher, { tenantId });
      if (count >= this.maxPerTenant) throw conflict(`the tenant has ${count} watchers, the most allowed (${this.maxPerTenant}); delete one first`);
      return manager.save(manager.create(Watcher, { tenantId, ...columns(dto) }));
    });
    this.byComponent.clear();
    return watcherView(created);
  }

  async list(tenantId: string, component: string | undefined, request: PageRequest): Promise<Page<WatcherView>> {
    const where = component ? { tenantId, component } : { tenantId };
    // The id breaks ties of one creation time, so pages neither repeat nor skip a watcher.
    const [rows, total] = await this.repo.findAndCount({ where, order: { createdAt: 'ASC', id: 'ASC' }, skip: request.offset, take: request.size });
    return { content: rows.map(watcherView), figures: pageFigures(request, total) };
  }

  async get(tenantId: string, id: string): Promise<WatcherView> {
    return watcherView(await this.find(tenantId, id));
  }

  async update(tenantId: string, id: string, dto: WatcherDto): Promise<WatcherView> {
    const existing = await this.find(tenantId, id);
    const updated = await this.repo.save(Object.assign(existing, columns(dto)));
    this.byComponent.clear();
    return watcherView(updated);
  }

  async remove(tenantId: string, id: string): Promise<void> {
    await this.find(tenantId, id);
    await this.repo.delete({ id, tenantId });
    this.byComponent.clear();
  }

  /** Forgets cached lookups (after changes made outside this service, e.g. a tenant purge). */
  forgetCachedWatchers() {
    this.byComponent.clear();
  }

  /** The listener's lookup (every event): a runtime's events reach only its own tenant's watchers of the component. */
  forComponent(tenantId: string, component: string): Promise<Watcher[]> {
    return this.byComponent.get(`${tenantId}\u0000${component}`, () => this.repo.findBy({ tenantId, component }));
  }

  private async find(tenantId: string, id: string): Promise<Watcher> {
    const watcher = UUID.test(id) ? await this.repo.findOneBy({ id, tenantId }) : null;
    if (!watcher) throw notFound(`watcher ${id} not found`);
    return watcher;
  }
}
