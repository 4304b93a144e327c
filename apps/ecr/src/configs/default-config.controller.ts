import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Put, Query, Res } from '@nestjs/common';
import { ApiBody, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Access, CurrentTenant, EcrScopes } from '@kaa/auth';
import { pagedBody, pageRequest } from '@kaa/server';
import { requireAppVersionName, requireConfigName } from './config-keys.js';
import { answerWithConfig, CONFIGURATIONS_PAGE, toView, type ConfigView } from './config-view.js';
import { ConfigsService } from './configs.service.js';

@ApiTags('default configurations')
@Controller('app-versions')
export class DefaultConfigController {
  constructor(private readonly configs: ConfigsService) {}

  @Put(':appVersionName')
  @Access.scopes(EcrScopes.defaultConfigUpdate)
  @ApiQuery({ name: 'name', required: false })
  @ApiBody({ schema: { description: 'Any JSON document' } })
  async put(
    @CurrentTenant() tenantId: string,
    @Param('appVersionName') appVersionName: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query('name') name?: string,
    @Headers('if-match') ifMatch?: string,
  ): Promise<ConfigView> {
    const stored = await this.configs.putDefaultConfig(tenantId, { ref: requireAppVersionName(appVersionName), name: requireConfigName(name) }, body, ifMatch);
    return answerWithConfig(reply, stored);
  }

  @Get(':appVersionName')
  @Access.scopes(EcrScopes.defaultConfigRead)
  @ApiQuery({ name: 'name', required: false })
  async get(
    @CurrentTenant() tenantId: string,
    @Param('appVersionName') appVersionName: string,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query('name') name?: string,
    @Headers('if-none-match') ifNoneMatch?: string,
  ): Promise<ConfigView | undefined> {
    const stored = await this.configs.getDefaultConfig(tenantId, { ref: requireAppVersionName(appVersionName), name: requireConfigName(name) });
    return answerWithConfig(reply, stored, ifNoneMatch);
  }

  @Delete(':appVersionName')
  @Access.scopes(EcrScopes.defaultConfigDelete)
  @HttpCode(200)
  @ApiQuery({ name: 'name', required: false })
  async delete(
    @CurrentTenant() tenantId: string,
    @Param('appVersionName') appVersionName: string,
    @Query('name') name?: string,
    @Headers('if-match') ifMatch?: string,
  ): Promise<{ message: string }> {
    const key = { ref: requireAppVersionName(appVersionName), name: requireConfigName(name) };
    await this.configs.deleteDefaultConfig(tenantId, key, ifMatch);
    return { message: `default configuration ${key.name} of app version ${key.ref.appVersionName} deleted` };
  }

  @Get(':appVersionName/configurations')
  @Access.scopes(EcrScopes.defaultConfigRead)
  @ApiQuery({ name: 'page', required: false })
  @ApiQuery({ name: 'size', required: false, description: `1 to ${CONFIGURATIONS_PAGE.maxSize}, default ${CONFIGURATIONS_PAGE.defaultSize}` })
  async list(
    @CurrentTenant() tenantId: string,
    @Param('appVersionName') appVersionName: string,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query('page') page?: string,
    @Query('size') size?: string,
  ): Promise<ConfigView[]> {
    const ref = requireAppVersionName(appVersionName);
    const { content, figures } = await this.configs.listDefaultConfigs(tenantId, ref, pageRequest({ page, size }, CONFIGURATIONS_PAGE));
    return pagedBody(reply, { content: content.map(toView), figures });
  }
}
