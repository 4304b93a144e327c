import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentTenant, RequireScopes } from '@kaa/auth';
import { API_PREFIX } from '@kaa/server';
import { SCOPES } from '../integrations.options.js';
import { CreateProviderDto, ProviderView, UpdateProviderDto } from './dto/provider.dto.js';
import { ProvidersService } from './providers.service.js';

@ApiTags('integrations')
@Controller('providers')
export class ProvidersController {
  constructor(private readonly providers: ProvidersService) {}

  @Get()
  @RequireScopes(SCOPES.read)
  @ApiOkResponse({ type: [ProviderView] })
  list(@CurrentTenant() tenant: string) {
    return this.providers.list(tenant);
  }

  @Post()
  @RequireScopes(SCOPES.update)
  @ApiCreatedResponse({ type: ProviderView })
  async create(@CurrentTenant() tenant: string, @Body() dto: CreateProviderDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const view = await this.providers.create(tenant, dto);
    reply.header('Location', `/${API_PREFIX}/providers/${encodeURIComponent(view.name)}`);
    return view;
  }

  @Get(':name')
  @RequireScopes(SCOPES.read)
  @ApiOkResponse({ type: ProviderView })
  get(@CurrentTenant() tenant: string, @Param('name') name: string) {
    return this.providers.get(tenant, name);
  }

  @Patch(':name')
  @RequireScopes(SCOPES.update)
  @ApiOkResponse({ type: ProviderView })
  update(@CurrentTenant() tenant: string, @Param('name') name: string, @Body() dto: UpdateProviderDto) {
    return this.providers.update(tenant, name, dto);
  }

  @Delete(':name')
  @HttpCode(204)
  @RequireScopes(SCOPES.update)
  async remove(@CurrentTenant() tenant: string, @Param('name') name: string) {
    await this.providers.remove(tenant, name);
  }
}
