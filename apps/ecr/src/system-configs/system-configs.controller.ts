import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Res, type Type } from '@nestjs/common';
import { ApiBody, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Access, CurrentUser, EcrScopes, TektonScopes, type AuthUser } from '@kaa/auth';
import type { SystemConfigLevel } from '@kaa/protocols';
import { API_PREFIX, pageRequest } from '@kaa/server';
import { LEVEL_ROUTES, requireStrategy } from './system-config-levels.js';
import type { SystemConfigRow } from './system-config.repository.js';
import { SystemConfigsService, type LevelRequest } from './system-configs.service.js';

/** The Kaa shape of a system configuration: `config` is the JSON document as a string. */
export interface SystemConfigView {
  configId: string;
  name: string;
  displayName: string | null;
  config: string;
  createdAt: string;
  updatedAt: string;
}

/** Headers of `…/current` naming the level the answer came from (the body keeps Kaa's shape). */
export const LEVEL_HEADERS = { level: 'x-kaa-config-level', levelId: 'x-kaa-config-level-id' } as const;

const PAGE = { defaultSize: 100, maxSize: 500 } as const;

const toView = (row: SystemConfigRow): SystemConfigView => ({
  configId: row.configId,
  name: row.name,
  displayName: row.displayName,
  config: row.config,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

/** Changes with every write (the id stays across PUTs). */
const etagOf = (row: SystemConfigRow) => `"${row.configId}:${row.revision}"`;

interface LevelAccess {
  read: MethodDecorator & ClassDecorator;
  update: MethodDecorator & ClassDecorator;
  delete: MethodDecorator & ClassDecorator;
}

const ACCESS: Record<SystemConfigLevel, LevelAccess> = {
  TENANT: {
    read: Access.anyOf(EcrScopes.tenantConfigRead, TektonScopes.platformTenantConfigRead),
    update: Access.scopes(EcrScopes.tenantConfigUpdate),
    delete: Access.scopes(EcrScopes.tenantConfigDelete),
  },
  APPLICATION: {
    read: Access.scopes(EcrScopes.defaultConfigRead),
    update: Access.scopes(EcrScopes.defaultConfigUpdate),
    delete: Access.scopes(EcrScopes.defaultConfigDelete),
  },
  APP_VERSION: {
    read: Access.scopes(EcrScopes.defaultConfigRead),
    update: Access.scopes(EcrScopes.defaultConfigUpdate),
    delete: Access.scopes(EcrScopes.defaultConfigDelete),
  },
  ENDPOINT: {
    read: Access.scopes(EcrScopes.endpointRead),
    update: Access.scopes(EcrScopes.endpointUpdate),
    delete: Access.scopes(EcrScopes.endpointDelete),
  },
};

const BODY = {
  schema: {
    type: 'object',
    required: ['name', 'config'],
    properties: { name: { type: 'string' }, displayName: { type: 'string' }, config: { type: 'string', description: 'a JSON document, serialized' } },
  },
};

/** The six routes of one level: `/system/{segment}/{id}/configs[/current|/{configId}]`. */
function systemConfigController(level: SystemConfigLevel): Type {
  const { segment, param } = LEVEL_ROUTES[level];
  const access = ACCESS[level];
  const endpoint = level === 'ENDPOINT';
  const tenantQuery = endpoint ? ApiQuery({ name: 'tenantId', required: false, description: 'platform tenant only: whose endpoint' }) : () => undefined;
  const request = (levelId: string, tenantId: string | undefined): LevelRequest => ({ level, levelId, ...(endpoint && tenantId !== undefined ? { tenantId } : {}) });
  const base = (levelId: string) => `/${API_PREFIX}/system/${segment}/${encodeURIComponent(levelId)}/configs`;

  @ApiTags('system configurations')
  @Controller(`system/${segment}/:${param}/configs`)
  class SystemConfigController {
    constructor(readonly configs: SystemConfigsService) {}

    @Post()
    @access.update
    @tenantQuery
    @ApiBody(BODY)
    async create(
      @CurrentUser() user: AuthUser,
      @Param(param) levelId: string,
      @Body() body: unknown,
      @Res({ passthrough: true }) reply: FastifyReply,
      @Query('tenantId') tenantId?: string,
    ): Promise<SystemConfigView> {
      const row = await this.configs.create(user, request(levelId, tenantId), body);
      reply.status(201).header('Location', `${base(levelId)}/${row.configId}`).header('ETag', etagOf(row));
      return toView(row);
    }

    @Get()
    @access.read
    @tenantQuery
    @ApiQuery({ name: 'page', required: false })
    @ApiQuery({ name: 'size', required: false, description: `1 to ${PAGE.maxSize}, default ${PAGE.defaultSize}` })
    async list(
      @CurrentUser() user: AuthUser,
      @Param(param) levelId: string,
      @Query('tenantId') tenantId?: string,
      @Query('page') page?: string,
      @Query('size') size?: string,
    ): Promise<{ content: SystemConfigView[]; totalElements: number }> {
      const { content, total } = await this.configs.list(user, request(levelId, tenantId), pageRequest({ page, size }, PAGE));
      return { content: content.map(toView), totalElements: total };
    }

    @Get('current')
    @access.read
    @tenantQuery
    @ApiQuery({ name: 'name', required: false, description: 'default: default' })
    @ApiQuery({ name: 'treeTraversalStrategy', required: false, description: 'absent: inherit from the nearest level above; SKIP: this level only' })
    @(endpoint ? ApiQuery({ name: 'appVersionName', required: false, description: 'the app version the endpoint inherits from' }) : () => undefined)
    async current(
      @CurrentUser() user: AuthUser,
      @Param(param) levelId: string,
      @Res({ passthrough: true }) reply: FastifyReply,
      @Query('name') name?: string,
      @Query('treeTraversalStrategy') strategy?: string,
      @Query('appVersionName') appVersionName?: string,
      @Query('tenantId') tenantId?: string,
    ): Promise<SystemConfigView> {
      const row = await this.configs.current(user, request(levelId, tenantId), { name, strategy: requireStrategy(strategy), appVersionName });
      reply.header('ETag', etagOf(row)).header(LEVEL_HEADERS.level, row.level).header(LEVEL_HEADERS.levelId, encodeURIComponent(row.levelId));
      return toView(row);
    }

    @Get(':configId')
    @access.read
    @tenantQuery
    async get(
      @CurrentUser() user: AuthUser,
      @Param(param) levelId: string,
      @Param('configId') configId: string,
      @Res({ passthrough: true }) reply: FastifyReply,
      @Query('tenantId') tenantId?: string,
    ): Promise<SystemConfigView> {
      const row = await this.configs.get(user, request(levelId, tenantId), configId);
      reply.header('ETag', etagOf(row));
      return toView(row);
    }

    @Put(':configId')
    @access.update
    @tenantQuery
    @HttpCode(204)
    @ApiBody(BODY)
    async update(
      @CurrentUser() user: AuthUser,
      @Param(param) levelId: string,
      @Param('configId') configId: string,
      @Body() body: unknown,
      @Res({ passthrough: true }) reply: FastifyReply,
      @Query('tenantId') tenantId?: string,
    ): Promise<void> {
      const row = await this.configs.update(user, request(levelId, tenantId), configId, body);
      reply.header('ETag', etagOf(row));
    }

    @Delete(':configId')
    @access.delete
    @tenantQuery
    @HttpCode(204)
    async delete(@CurrentUser() user: AuthUser, @Param(param) levelId: string, @Param('configId') configId: string, @Query('tenantId') tenantId?: string): Promise<void> {
      await this.configs.delete(user, request(levelId, tenantId), configId);
    }
  }
  Object.defineProperty(SystemConfigController, 'name', { value: `SystemConfig${segment.replace(/(^|-)(\w)/g, (_, _dash: string, c: string) => c.toUpperCase())}Controller` });
  return SystemConfigController;
}

export const SYSTEM_CONFIG_CONTROLLERS: Type[] = (Object.keys(LEVEL_ROUTES) as SystemConfigLevel[]).map(systemConfigController);
