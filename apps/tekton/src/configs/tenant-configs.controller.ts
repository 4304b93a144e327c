import { Body, Controller, Get, HttpCode, Param, ParseIntPipe, Post, Put, Query, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Access, CurrentUser, TektonScopes, type AuthUser } from '@kaa/auth';
import { pagedBody, pageRequest } from '@kaa/server';
import { Change, type ChangeContext } from '../common/change-context.js';
import { HISTORY_PAGE } from '../common/limits.js';
import { ConfigsService } from './configs.service.js';

@ApiTags('tenant-configs')
@Controller('tenant-configs')
export class TenantConfigsController {
  constructor(private readonly configs: ConfigsService) {}

  @Put()
  @Access.scopes(TektonScopes.platformApplicationUpdate)
  put(@Change() ctx: ChangeContext, @Body() body: Record<string, unknown>) {
    return this.configs.putTenantConfigs(ctx, body);
  }

  @Get()
  @Access.anyOf(TektonScopes.platformTenantConfigRead, TektonScopes.platformApplicationRead)
  get(@CurrentUser() user: AuthUser, @Query('serviceInstanceName') instance?: string, @Query('tenantId') tenantId?: string) {
    return this.configs.getTenantConfigs(user, instance, tenantId);
  }

  @Get('history')
  @Access.anyOf(TektonScopes.platformTenantConfigRead, TektonScopes.platformApplicationRead)
  history(
    @CurrentUser() user: AuthUser,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query('serviceInstanceName') instance?: string,
    @Query('tenantId') tenantId?: string,
    @Query('page') page?: string,
    @Query('size') size?: string,
  ) {
    return pagedBody(reply, this.configs.history(user, { level: 'tenant', instance, tenantId }, pageRequest({ page, size }, HISTORY_PAGE)));
  }

  @Post('history/:revision/rollback')
  @HttpCode(200)
  @Access.scopes(TektonScopes.platformApplicationUpdate)
  rollback(@Change() ctx: ChangeContext, @Param('revision', ParseIntPipe) revision: number, @Query('serviceInstanceName') instance?: string, @Query('tenantId') tenantId?: string) {
    return this.configs.rollback(ctx, { level: 'tenant', instance, tenantId }, revision);
  }
}
