import { Body, Controller, Get, HttpCode, Param, ParseIntPipe, Post, Put, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Access, CurrentUser, TektonScopes, type AuthUser } from '@kaa/auth';
import { Change, type ChangeContext } from '../common/change-context.js';
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
  history(@CurrentUser() user: AuthUser, @Query('serviceInstanceName') instance?: string, @Query('tenantId') tenantId?: string) {
    return this.configs.history(user, { level: 'tenant', instance, tenantId });
  }

  @Post('history/:revision/rollback')
  @HttpCode(200)
  @Access.scopes(TektonScopes.platformApplicationUpdate)
  rollback(@Change() ctx: ChangeContext, @Param('revision', ParseIntPipe) revision: number, @Query('serviceInstanceName') instance?: string, @Query('tenantId') tenantId?: string) {
    return this.configs.rollback(ctx, { level: 'tenant', instance, tenantId }, revision);
  }
}
