import { Body, Controller, Get, HttpCode, Param, ParseIntPipe, Post, Put, Query, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentUser, RequireScopes, type AuthUser } from '@kaa/auth';
import { pagedBody, pageRequest } from '@kaa/server';
import { requireAnyScope } from '../common/access.js';
import { Change, type ChangeContext } from '../common/change-context.js';
import { HISTORY_PAGE } from '../common/limits.js';
import { ConfigsService } from './configs.service.js';

const TENANT_READ = ['kaa:tenant:configuration:read', 'kaa:application:read'];

@ApiTags('tenant-configs')
@Controller('tenant-configs')
export class TenantConfigsController {
  constructor(private readonly configs: ConfigsService) {}

  @Put()
  @RequireScopes('kaa:application:update')
  put(@Change() ctx: ChangeContext, @Body() body: Record<string, unknown>) {
    return this.configs.putTenantConfigs(ctx, body);
  }

  @Get()
  get(@CurrentUser() user: AuthUser, @Query('serviceInstanceName') instance?: string, @Query('tenantId') tenantId?: string) {
    requireAnyScope(user, TENANT_READ);
    return this.configs.getTenantConfigs(user, instance, tenantId);
  }

  @Get('history')
  history(
    @CurrentUser() user: AuthUser,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query('serviceInstanceName') instance?: string,
    @Query('tenantId') tenantId?: string,
    @Query('page') page?: string,
    @Query('size') size?: string,
  ) {
    requireAnyScope(user, TENANT_READ);
    return pagedBody(reply, this.configs.history(user, { level: 'tenant', instance, tenantId }, pageRequest({ page, size }, HISTORY_PAGE)));
  }

  @Post('history/:revision/rollback')
  @HttpCode(200)
  @RequireScopes('kaa:application:update')
  rollback(@Change() ctx: ChangeContext, @Param('revision', ParseIntPipe) revision: number, @Query('serviceInstanceName') instance?: string, @Query('tenantId') tenantId?: string) {
    return this.configs.rollback(ctx, { level: 'tenant', instance, tenantId }, revision);
  }
}
