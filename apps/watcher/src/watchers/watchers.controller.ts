import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Access, CurrentTenant, WatcherScopes } from '@kaa/auth';
import { pagedBody, pageRequest } from '@kaa/server';
import { WatcherDto } from './dto/watcher.dto.js';
import { WatchersService } from './watchers.service.js';

@ApiTags('watchers')
@Controller('watchers')
export class WatchersController {
  constructor(private readonly watchers: WatchersService) {}

  @Post()
  @Access.scopes(WatcherScopes.update)
  @ApiOperation({ summary: 'Declare what a component wants to hear about' })
  create(@CurrentTenant() tenantId: string, @Body() body: WatcherDto) {
    return this.watchers.create(tenantId, body);
  }

  @Get()
  @Access.scopes(WatcherScopes.read)
  @ApiQuery({ name: 'component', required: false })
  list(
    @CurrentTenant() tenantId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query('component') component?: string,
    @Query('page') page?: string,
    @Query('size') size?: string,
  ) {
    return pagedBody(reply, this.watchers.list(tenantId, component, pageRequest({ page, size }, this.watchers.listPage)));
  }

  @Get(':id')
  @Access.scopes(WatcherScopes.read)
  get(@CurrentTenant() tenantId: string, @Param('id') id: string) {
    return this.watchers.get(tenantId, id);
  }

  @Put(':id')
  @Access.scopes(WatcherScopes.update)
  update(@CurrentTenant() tenantId: string, @Param('id') id: string, @Body() body: WatcherDto) {
    return this.watchers.update(tenantId, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @Access.scopes(WatcherScopes.update)
  async remove(@CurrentTenant() tenantId: string, @Param('id') id: string) {
    await this.watchers.remove(tenantId, id);
  }
}
