import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Put, Query, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Access, CurrentTenant, EcrScopes } from '@kaa/auth';
import { badRequest, pagedBody, pageRequest } from '@kaa/server';
import { requireAppVersionName, requireConfigName, requireEndpointId, type AppVersionRef } from './config-keys.js';
import { answerWithConfig, CONFIGURATIONS_PAGE, toView, type ConfigView } from './config-view.js';
import { ConfigsService } from './configs.service.js';
import { BatchConfigDto } from './dto/batch-config.dto.js';

@ApiTags('endpoint configurations')
@Controller('endpoints')
export class EndpointConfigController {
  constructor(private readonly configs: ConfigsService) {}

  @Put('batch')
  @Access.scopes(EcrScopes.endpointUpdate)
  @ApiOperation({ summary: 'Store one configuration for many endpoints, in one transaction' })
  @ApiQuery({ name: 'name', required: false })
  async putBatch(@CurrentTenant() tenantId: string, @Body() body: BatchConfigDto, @Query('name') name?: string) {
    const endpoints = new Map<AppVersionRef, string[]>();
    for (const [appVersionName, ids] of Object.entries(body.endpoints)) {
      if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string' || id.length === 0)) {
        throw badRequest(`endpoints.${appVersionName} must be a list of endpoint ids`);
      }
      endpoints.set(requireAppVersionName(appVersionName), ids.map((id: string) => requireEndpointId(id)));
    }
    if (endpoints.size === 0) throw badRequest('endpoints must name at least one app version');
    const stored = await this.configs.putBatch(tenantId, requireConfigName(name), body.configPayload, endpoints);
    return stored.map((config) => ({ endpointId: config.endpointId, appVersionName: config.appVersionName, ...toView(config) }));
  }

  @Put(':endpointId/app-versions/:appVersionName')
  @Access.scopes(EcrScopes.endpointUpdate)
  @ApiOperation({ summary: "Create or replace the endpoint's configuration (new id every time)" })
  @ApiQuery({ name: 'name', required: false })
  @ApiBody({ schema: { description: 'Any JSON document' } })
  async put(
    @CurrentTenant() tenantId: string,
    @Param('endpointId') endpointId: string,
    @Param('appVersionName') appVersionName: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query('name') name?: string,
    @Headers('if-match') ifMatch?: string,
  ): Promise<ConfigView> {
    const key = { endpointId: requireEndpointId(endpointId), ref: requireAppVersionName(appVersionName), name: requireConfigName(name) };
    const stored = await this.configs.putEndpointConfig(tenantId, key, body, ifMatch);
    return answerWithConfig(reply, stored);
  }

  @Get(':endpointId/app-versions/:appVersionName')
  @Access.scopes(EcrScopes.endpointRead)
  @ApiQuery({ name: 'name', required: false })
  async get(
    @CurrentTenant() tenantId: string,
    @Param('endpointId') endpointId: string,
    @Param('appVersionName') appVersionName: string,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query('name') name?: string,
    @Headers('if-none-match') ifNoneMatch?: string,
  ): Promise<ConfigView | undefined> {
    const key = { endpointId: requireEndpointId(endpointId), ref: requireAppVersionName(appVersionName), name: requireConfigName(name) };
    const stored = await this.configs.getEndpointConfig(tenantId, key);
    return answerWithConfig(reply, stored, ifNoneMatch);
  }

  @Delete(':endpointId/app-versions/:appVersionName')
  @Access.scopes(EcrScopes.endpointDelete)
  @HttpCode(200)
  @ApiQuery({ name: 'name', required: false })
  async delete(
    @CurrentTenant() tenantId: string,
    @Param('endpointId') endpointId: string,
    @Param('appVersionName') appVersionName: string,
    @Query('name') name?: string,
    @Headers('if-match') ifMatch?: string,
  ): Promise<{ message: string }> {
    const key = { endpointId: requireEndpointId(endpointId), ref: requireAppVersionName(appVersionName), name: requireConfigName(name) };
    await this.configs.deleteEndpointConfig(tenantId, key, ifMatch);
    return { message: `configuration ${key.name} of endpoint ${key.endpointId} deleted` };
  }

  @Get(':endpointId/app-versions/:appVersionName/configurations')
  @Access.scopes(EcrScopes.endpointRead)
  @ApiQuery({ name: 'page', required: false })
  @ApiQuery({ name: 'size', required: false, description: `1 to ${CONFIGURATIONS_PAGE.maxSize}, default ${CONFIGURATIONS_PAGE.defaultSize}` })
  async list(
    @CurrentTenant() tenantId: string,
    @Param('endpointId') endpointId: string,
    @Param('appVersionName') appVersionName: string,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query('page') page?: string,
    @Query('size') size?: string,
  ): Promise<ConfigView[]> {
    const request = pageRequest({ page, size }, CONFIGURATIONS_PAGE);
    const { content, figures } = await this.configs.listEndpointConfigs(tenantId, requireEndpointId(endpointId), requireAppVersionName(appVersionName), request);
    return pagedBody(reply, { content: content.map(toView), figures });
  }
}
