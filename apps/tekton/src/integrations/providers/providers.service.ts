import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { conflict, notFound, pageFigures, validationFailed, type Page, type PageRequest, type Violation } from '@kaa/server';
import { EgressPolicy } from '../egress/egress-policy.js';
import { displayUrl } from '../secrets/mask.js';
import { SecretBox } from '../secrets/secret-box.js';
import { INTEGRATIONS_OPTIONS, type IntegrationsOptions, type ProviderType } from '../integrations.options.js';
import { NotificationEntity } from '../notifications/notification.entity.js';
import type { CreateProviderDto, ProviderView, UpdateProviderDto } from './dto/provider.dto.js';
import { ProviderEntity } from './provider.entity.js';

export const DEFAULT_TIMEOUT_MS = 10_000;

/** Providers of one tenant; another tenant's provider is simply not found. */
@Injectable()
export class ProvidersService {
  readonly secrets: SecretBox;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(INTEGRATIONS_OPTIONS) options: IntegrationsOptions,
    private readonly egress: EgressPolicy,
  ) {
    this.secrets = new SecretBox(options.secretsEncryptionKey);
  }

  private get repo() {
    return this.dataSource.getRepository(ProviderEntity);
  }

  async list(tenantId: string, request: PageRequest): Promise<Page<ProviderView>> {
    const [rows, total] = await this.repo.findAndCount({ where: { tenantId }, order: { name: 'ASC' }, skip: request.offset, take: request.size });
    return { content: rows.map(toView), figures: pageFigures(request, total) };
  }

  async get(tenantId: string, name: string): Promise<ProviderView> {
    return toView(await this.find(tenantId, name));
  }

  async find(tenantId: string, name: string): Promise<ProviderEntity> {
    const row = await this.repo.findOne({ where: { tenantId, name } });
    if (!row) throw notFound(`provider ${name} not found`);
    return row;
  }

  async create(tenantId: string, dto: CreateProviderDto): Promise<ProviderView> {
    const timeoutMs = dto.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    await this.check(dto.type, dto.address, dto.secret !== undefined, dto.secret);
    const result = await this.repo
      .createQueryBuilder()
      .insert()
      .values({ tenantId, name: dto.name, type: dto.type, address: dto.address, timeoutMs, secretEncrypted: dto.secret === undefined ? null : this.secrets.encrypt(dto.secret) })
      .orIgnore()
      .returning('*')
      .execute();
    if (result.raw.length === 0) throw conflict(`provider ${dto.name} already exists`);
    return this.get(tenantId, dto.name);
  }

  async update(tenantId: string, name: string, dto: UpdateProviderDto): Promise<ProviderView> {
    const row = await this.find(tenantId, name);
    const type = dto.type ?? row.type;
    const address = dto.address ?? row.address;
    // The stored secret belongs to where it was sent: a new address or type without a new secret drops it.
    const moved = address !== row.address || type !== row.type;
    const kept = moved ? null : row.secretEncrypted;
    const secretEncrypted = dto.secret === undefined ? kept : dto.secret === null ? null : this.secrets.encrypt(dto.secret);
    // A kept secret was checked when it was stored for this very type and address (and every delivery checks it again).
    await this.check(type, address, secretEncrypted !== null, dto.secret ?? undefined);
    await this.repo.update({ id: row.id }, { type, address, secretEncrypted, timeoutMs: dto.timeoutMs ?? row.timeoutMs });
    return this.get(tenantId, name);
  }

  async remove(tenantId: string, name: string): Promise<void> {
    const row = await this.find(tenantId, name);
    const users = await this.dataSource.getRepository(NotificationEntity).find({ where: { providerId: row.id }, select: { name: true } });
    if (users.length > 0) throw conflict(`provider ${name} is used by notifications: ${users.map((u) => u.name).join(', ')}`);
    await this.repo.delete({ id: row.id });
  }

  /**
   * Every address a provider makes tekton call (the address, and a Slack webhook URL given as the
   * secret) must be http(s) and somewhere the egress policy allows; messages never echo a secret.
   */
  private async check(type: ProviderType, address: string, hasSecret: boolean, newSecret: string | undefined) {
    const violations: Violation[] = [];
    const addressRefusal = await this.egress.urlRefusal(address);
    if (addressRefusal) violations.push({ pointer: '/address', message: addressRefusal });
    else if (type === 'github' && !isApiBase(address)) violations.push({ pointer: '/address', message: 'must be the GitHub API base URL, without query or fragment' });
    if (type === 'slack' && newSecret !== undefined) {
      const webhookRefusal = await this.egress.urlRefusal(newSecret);
      if (webhookRefusal) violations.push({ pointer: '/secret', message: `the Slack webhook URL ${webhookRefusal.startsWith('must') ? webhookRefusal : `is refused: ${webhookRefusal}`}` });
    }
    if ((type === 'generic-hmac' || type === 'github') && !hasSecret) {
      violations.push({ pointer: '/secret', message: type === 'github' ? 'a github provider needs a token' : 'a generic-hmac provider needs a signing key' });
    }
    if (violations.length > 0) throw validationFailed('invalid provider', violations);
  }
}

function isApiBase(address: string): boolean {
  const url = new URL(address);
  return !url.search && !url.hash;
}

export function toView(row: ProviderEntity): ProviderView {
  return {
    name: row.name,
    type: row.type,
    // Whatever the type is now, the address may once have been a Slack webhook URL: origin only.
    address: displayUrl(row.address),
    secretSet: row.secretEncrypted !== null,
    timeoutMs: row.timeoutMs,
    createdDate: row.createdAt.toISOString(),
    updatedDate: row.updatedAt.toISOString(),
  };
}
