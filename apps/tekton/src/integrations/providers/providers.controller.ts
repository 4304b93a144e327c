import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Access, CurrentTenant, TektonScopes } from '@kaa/auth';
import { API_PREFIX, pagedBody, pageRequest } from '@kaa/server';
import { IntegrationQuota } from '../integration-quota.js';
import { CreateProviderDto, ProviderView, UpdateProviderDto } from './dto/provider.dto.js';
import { ProvidersService } from './providers.service.js';

@ApiTags('integrations')
@Controller('providers')
export class ProvidersController {
  constructor(
    private readonly providers: ProvidersService,
    private readonly quota: IntegrationQuota,
  ) {}

  @Get()
  @Access.scopes(TektonScopes.integrationRead)
  @ApiOkResponse({ type: [ProviderView] })
  list(@CurrentTenant() tenant: string, @Res({ passthrough: true }) reply: FastifyReply, @Query('page') page?: string, @Query('size') size?: string) {
    return pagedBody(reply, this.providers.list(tenant, pageRequest({ page, size }, this.quota.providersPage)));
  }

  @Post()
  @Access.scopes(TektonScopes.integrationUpdate)
  @ApiCreatedResponse({ type: ProviderView })
  async create(@CurrentTenant() tenant: string, @Body() dto: CreateProviderDto, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.quota.requireProviderRoom(tenant);
    const view = await this.providers.create(tenant, dto);
    reply.header('Location', `/${API_PREFIX}/providers/${encodeURIComponent(view.name)}`);
    return view;
  }

  @Get(':name')
  @Access.scopes(TektonScopes.integrationRead)
  @ApiOkResponse({ type: ProviderView })
  get(@CurrentTenant() tenant: string, @Param('name') name: string) {
    return this.providers.get(tenant, name);
  }

  @Patch(':name')
  @Access.scopes(TektonScopes.integrationUpdate)
  @ApiOkResponse({ type: ProviderView })
  update(@CurrentTenant() tenant: string, @Param('name') name: string, @Body() dto: UpdateProviderDto) {
    return this.providers.update(tenant, name, dto);
  }

  @Delete(':name')
  @HttpCode(204)
  @Access.scopes(TektonScopes.integrationUpdate)
  async remove(@CurrentTenant() tenant: string, @Param('name') name: string) {
    await this.providers.remove(tenant, name);
  }
}
