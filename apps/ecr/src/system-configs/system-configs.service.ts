import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { PlatformTenantOption, TenantRegistry, type AuthUser } from '@kaa/auth';
import type { SystemConfigLevel } from '@kaa/protocols';
import { badRequest, conflict, DomainError, notFound, type PageRequest } from '@kaa/server';
import { CONFIG_LIMITS, type ConfigLimits } from '../configs/configs.service.js';
import { DEFAULT_CONFIG_NAME, isConfigName, parseAppVersionName, requireAppVersionName, requireConfigName, requireEndpointId } from '../configs/config-keys.js';
import { hasNul } from '../messaging/wire-strings.js';
import { OwnershipService } from '../tenancy/ownership.js';
import { requireAppName, type LevelSlot, type TraversalStrategy } from './system-config-levels.js';
import { SystemConfigRepository, type SystemConfigInput, type SystemConfigRow } from './system-config.repository.js';
import { SystemConfigUpdatedPublisher } from './system-config-updated.publisher.js';

/** Longest `displayName` stored. */
const DISPLAY_NAME_MAX = 256;
const BODY_FIELDS = new Set(['name', 'displayName', 'config']);

/** Where a request points: the level and its id as the path names them. */
export interface LevelRequest {
  level: SystemConfigLevel;
  levelId: string;
  /** Endpoint level, platform tenant only: whose endpoint (default: the caller's tenant). */
  tenantId?: string;
}

export interface CurrentRequest {
  name?: string;
  strategy: TraversalStrategy;
  /** Endpoint level: the app version to inherit from. */
  appVersionName?: string;
}

/**
 * System configurations at four levels (tenant, application, app version, endpoint), each
 * change announced over 27/SCMP through the outbox. Another tenant's level is 404; the platform
 * tenant reaches every tenant's.
 */
@Injectable()
export class SystemConfigsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repository: SystemConfigRepository,
    private readonly publisher: SystemConfigUpdatedPublisher,
    private readonly ownership: OwnershipService,
    private readonly tenants: TenantRegistry,
    @Inject(PlatformTenantOption) private readonly platform: PlatformTenantOption,
    @Inject(CONFIG_LIMITS) private readonly limits: ConfigLimits,
  ) {}

  async create(caller: AuthUser, request: LevelRequest, body: unknown): Promise<SystemConfigRow> {
    const slot = this.slotOf(caller, request);
    const input = this.parseBody(body);
    return this.dataSource.transaction(async (manager) => {
      await this.repository.lockLevel(manager, slot);
      const row = await this.repository.insert(manager, slot, input);
      if (!row) throw conflict(`a system configuration named ${input.name} already exists at ${describe(slot)}`);
      await this.publisher.enqueue(manager, [changeOf(row)]);
      return row;
    });
  }

  async list(caller: AuthUser, request: LevelRequest, page: PageRequest) {
    return this.repository.list(this.slotOf(caller, request), page);
  }

  async get(caller: AuthUser, request: LevelRequest, configId: string): Promise<SystemConfigRow> {
    const slot = this.slotOf(caller, request);
    const row = await this.repository.find(this.dataSource, slot, configId);
    if (!row) throw notFound(`no system configuration ${configId} at ${describe(slot)}`);
    return row;
  }

  async update(caller: AuthUser, request: LevelRequest, configId: string, body: unknown): Promise<SystemConfigRow> {
    const slot = this.slotOf(caller, request);
    const input = this.parseBody(body);
    return this.dataSource.transaction(async (manager) => {
      await this.repository.lockLevel(manager, slot);
      const current = await this.repository.find(manager, slot, configId);
      if (!current) throw notFound(`no system configuration ${configId} at ${describe(slot)}`);
      if (input.name !== current.name && (await this.repository.findByName(manager, slot, input.name))) {
        throw conflict(`a system configuration named ${input.name} already exists at ${describe(slot)}`);
      }
      const row = await this.repository.update(manager, configId, input);
      // A rename: the old name is gone (announced first, with a lower revision).
      const renamed = input.name !== current.name ? [{ ...changeOf(current), config: undefined, revision: await this.repository.nextRevision(manager) }] : [];
      await this.publisher.enqueue(manager, [...renamed, changeOf(row)]);
      return row;
    });
  }

  async delete(caller: AuthUser, request: LevelRequest, configId: string): Promise<void> {
    const slot = this.slotOf(caller, request);
    await this.dataSource.transaction(async (manager) => {
      await this.repository.lockLevel(manager, slot);
      const current = await this.repository.find(manager, slot, configId);
      if (!current) throw notFound(`no system configuration ${configId} at ${describe(slot)}`);
      await this.repository.delete(manager, configId);
      await this.publisher.enqueue(manager, [{ ...changeOf(current), config: undefined, revision: await this.repository.nextRevision(manager) }]);
    });
  }

  /** The config named N at this level, or (unless SKIP) at the nearest level above that has one. */
  async current(caller: AuthUser, request: LevelRequest, current: CurrentRequest): Promise<SystemConfigRow> {
    const slot = this.slotOf(caller, request);
    const name = requireConfigName(current.name);
    if (current.appVersionName !== undefined && slot.level !== 'ENDPOINT') throw badRequest('appVersionName applies to the endpoint level only');
    // A named app version is checked (404 if not the tenant's) whether or not it is needed.
    if (current.appVersionName) await this.endpointVersion(slot, current.appVersionName);
    // The level itself first: an endpoint's own config needs no app version to inherit from.
    const own = await this.repository.findFirst(slot.tenantId, name, [slot]);
    if (own) return own;
    const row = current.strategy === 'SKIP' ? undefined : await this.repository.findFirst(slot.tenantId, name, (await this.chainOf(slot, current.appVersionName)).slice(1));
    if (!row) throw notFound(`no system configuration ${name} at ${describe(slot)}${current.strategy === 'SKIP' ? '' : ' or above'}`);
    return row;
  }

  // ---- levels and tenancy -------------------------------------------------------------------

  private isPlatform(caller: AuthUser): boolean {
    return this.platform.id !== undefined && caller.tenantId === this.platform.id;
  }

  /** The tenant and level a request names; 404 for a level of another tenant (or of nobody). */
  private slotOf(caller: AuthUser, request: LevelRequest): LevelSlot {
    const platform = this.isPlatform(caller);
    const reachable = (owner: string | undefined): owner is string => owner !== undefined && (owner === caller.tenantId || platform);
    const { level, levelId } = request;
    if (request.tenantId !== undefined && level !== 'ENDPOINT') throw badRequest('tenantId applies to the endpoint level only');
    switch (level) {
      case 'TENANT': {
        const known = levelId === caller.tenantId || (platform && this.tenants.get(levelId) !== undefined);
        if (!known) throw notFound(`tenant ${levelId} not found`);
        return { tenantId: levelId, level, levelId };
      }
      case 'APPLICATION': {
        const owner = this.ownership.applicationOwner(requireAppName(levelId));
        if (!reachable(owner)) throw notFound(`application ${levelId} not found`);
        return { tenantId: owner, level, levelId };
      }
      case 'APP_VERSION': {
        const owner = this.ownership.ownerOf(requireAppVersionName(levelId).appVersionName);
        if (!reachable(owner)) throw notFound(`app version ${levelId} not found`);
        return { tenantId: owner, level, levelId };
      }
      case 'ENDPOINT': {
        requireEndpointId(levelId);
        const tenantId = request.tenantId ?? caller.tenantId;
        // Endpoint ids are a tenant's own: another tenant's endpoint of that id is simply not found.
        if (tenantId !== caller.tenantId && !(platform && this.tenants.get(tenantId) !== undefined)) throw notFound(`endpoint ${levelId} not found`);
        return { tenantId, level, levelId };
      }
    }
  }

  /** The levels `current` looks at, most specific first. */
  private async chainOf(slot: LevelSlot, appVersionName: string | undefined): Promise<{ level: SystemConfigLevel; levelId: string }[]> {
    const tenant = { level: 'TENANT' as const, levelId: slot.tenantId };
    // Versions reach here validated: `{app}-{suffix}`.
    const applicationOf = (version: string) => [{ level: 'APPLICATION' as const, levelId: parseAppVersionName(version)?.appName ?? version }];
    const versionChain = (version: string) => [{ level: 'APP_VERSION' as const, levelId: version }, ...applicationOf(version)];
    switch (slot.level) {
      case 'TENANT':
        return [tenant];
      case 'APPLICATION':
        return [slot, tenant];
      case 'APP_VERSION':
        return [slot, ...applicationOf(slot.levelId), tenant];
      case 'ENDPOINT': {
        const version = await this.endpointVersion(slot, appVersionName);
        return [slot, ...(version ? versionChain(version) : []), tenant];
      }
    }
  }

  /**
   * The app version an endpoint inherits from: the one named (it must be the tenant's), else the
   * only one under which ECR holds anything of the endpoint (its configurations or history).
   */
  private async endpointVersion(slot: LevelSlot, appVersionName: string | undefined): Promise<string | undefined> {
    if (appVersionName !== undefined && appVersionName !== '') {
      const ref = requireAppVersionName(appVersionName);
      if (this.ownership.ownerOf(ref.appVersionName) !== slot.tenantId) throw notFound(`app version ${ref.appVersionName} not found`);
      return ref.appVersionName;
    }
    const versions = (await this.repository.appVersionsOfEndpoint(slot.tenantId, slot.levelId)).filter((v) => this.ownership.ownerOf(v) === slot.tenantId);
    if (versions.length > 1) {
      throw badRequest(`endpoint ${slot.levelId} has configurations under several app versions (${versions.join(', ')}): name one with appVersionName`);
    }
    return versions[0];
  }

  // ---- bodies -------------------------------------------------------------------------------

  /** `{name, displayName?, config: "<JSON text>"}`; 400 naming the problem, 413 above ECR_CONFIG_MAX_BYTES. */
  private parseBody(body: unknown): SystemConfigInput {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the body must be an object {name, displayName?, config}');
    const fields = body as Record<string, unknown>;
    const unknown = Object.keys(fields).filter((key) => !BODY_FIELDS.has(key));
    if (unknown.length > 0) throw badRequest(`unknown field(s) ${unknown.join(', ')}: expected name, displayName, config`);
    const { name, displayName, config } = fields;
    if (typeof name !== 'string' || !isConfigName(name)) {
      throw badRequest(`name must be a configuration name (letters, digits, "_" and "-", 1 to 128), e.g. ${DEFAULT_CONFIG_NAME}`);
    }
    if (displayName !== undefined && displayName !== null && (typeof displayName !== 'string' || displayName.length > DISPLAY_NAME_MAX || hasNul(displayName))) {
      throw badRequest(`displayName must be a string of at most ${DISPLAY_NAME_MAX} characters`);
    }
    if (typeof config !== 'string') throw badRequest('config must be a string holding a JSON document');
    const bytes = Buffer.byteLength(config, 'utf8');
    if (bytes > this.limits.configMaxBytes) {
      throw new DomainError('PAYLOAD_TOO_LARGE', `the configuration is ${bytes} bytes; at most ${this.limits.configMaxBytes} are stored (ECR_CONFIG_MAX_BYTES)`);
    }
    try {
      JSON.parse(config);
    } catch (error) {
      throw badRequest(`config is not valid JSON: ${(error as Error).message}`);
    }
    return { name, displayName: typeof displayName === 'string' ? displayName : null, config };
  }
}

function changeOf(row: SystemConfigRow) {
  return { tenantId: row.tenantId, level: row.level, levelId: row.levelId, name: row.name, config: row.config as string | undefined, revision: row.revision };
}

function describe(slot: LevelSlot): string {
  return `${slot.level.toLowerCase().replace('_', ' ')} ${slot.levelId}`;
}
