import { DynamicModule, Global, Inject, Injectable, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Counter } from 'prom-client';
import { LOGGER, MetricsService, type Logger } from '@kaa/observability';
import { PgListener, schemaOf } from '@kaa/persistence';
import { ConfigCache, type CacheSlot } from './config-cache.js';
import { configChangesChannel, parseConfigChange, type ConfigChange } from './config-changes.js';
import type { StoredConfig } from './config-view.js';

export interface ConfigCacheOptions {
  /** Lookups kept per replica; 0 turns the cache off. */
  maxEntries: number;
  /** Longest time a value is served from memory, a bound should a change ever go unannounced. */
  ttlMs: number;
}

const CONFIG_CACHE_OPTIONS = Symbol('CONFIG_CACHE_OPTIONS');

/** A lookup's result: the row, or null for "there is none" (answers 404 without a query, too). */
export type CachedLookup = StoredConfig | null;

/**
 * Per-replica cache of config lookups (6/CDTP effective configs, REST reads), kept right by the
 * triggers' change notifications (see the NotifyConfigChanges migration), which reach every
 * replica, and by the replica's own writes at once (read-your-writes). It serves only while its
 * LISTEN connection is up; the connection is probed, so a silently dead one also turns it off.
 */
@Injectable()
export class ConfigCacheService implements OnModuleInit, OnApplicationShutdown {
  private readonly cache: ConfigCache<CachedLookup>;
  private readonly listener?: PgListener;
  private readonly lookups: Counter<'result'>;

  constructor(
    @Inject(CONFIG_CACHE_OPTIONS) options: ConfigCacheOptions,
    @InjectDataSource() dataSource: DataSource,
    metrics: MetricsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.cache = new ConfigCache(options.maxEntries, options.ttlMs);
    this.lookups = new Counter({
      name: 'ecr_config_cache_lookups_total',
      help: 'Config lookups by result: hit (from memory), miss (read from Postgres and kept), bypass (read, not kept)',
      labelNames: ['result'] as const,
      registers: [metrics.registry],
    });
    if (options.maxEntries <= 0) return;
    this.listener = new PgListener({
      dataSource,
      channel: configChangesChannel(schemaOf(dataSource)),
      name: `ecr-config-cache:${schemaOf(dataSource)}`,
      logger,
      probeIntervalMs: 5000,
      onNotification: (payload) => this.cache.apply(parseConfigChange(payload)),
      onListening: () => this.cache.enable(),
      onLost: () => {
        this.cache.disable();
        this.logger.warn('config cache off until the change notifications are back');
      },
    });
  }

  async onModuleInit() {
    await this.listener?.start();
  }

  async onApplicationShutdown() {
    this.cache.disable();
    await this.listener?.stop();
  }

  /** The cached result for the slot, else `load`'s (kept unless a change raced the read). */
  async lookup(slot: CacheSlot, load: () => Promise<CachedLookup>): Promise<CachedLookup> {
    const cached = this.cache.get(slot.key);
    if (cached !== undefined) {
      this.lookups.inc({ result: 'hit' });
      return cached;
    }
    const ticket = this.cache.ticket();
    const value = await load();
    // Frozen: one object now answers many requests, so nobody may change it.
    const kept = this.cache.set(ticket, slot, value === null ? null : Object.freeze(value));
    this.lookups.inc({ result: kept ? 'miss' : 'bypass' });
    return value;
  }

  /** This replica committed a change: forget what it invalidates now, not when the NOTIFY comes. */
  changed(change: ConfigChange): void {
    this.cache.apply(change);
  }
}

@Global()
@Module({})
export class ConfigCacheModule {
  static forRoot(options: ConfigCacheOptions): DynamicModule {
    return {
      module: ConfigCacheModule,
      providers: [{ provide: CONFIG_CACHE_OPTIONS, useValue: options }, ConfigCacheService],
      exports: [ConfigCacheService],
    };
  }
}
