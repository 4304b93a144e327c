import { Body, Controller, Get, HttpCode, Param, ParseIntPipe, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentUser, RequireScopes, type AuthUser } from '@kaa/auth';
import { pagedBody, pageRequest } from '@kaa/server';
import { requireAnyScope } from '../common/access.js';
import { Change, type ChangeContext } from '../common/change-context.js';
import { HISTORY_PAGE } from '../common/limits.js';
import { ConfigsService } from './configs.service.js';

const APP_READ = ['application:read', 'kaa:application:read'];

const list = (value: string | string[] | undefined) => [value ?? []].flat().flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);

@ApiTags('app-configs')
@Controller('app-configs')
export class AppConfigsController {
  constructor(private readonly configs: ConfigsService) {}

  /** Full export; platform service accounts see every tenant. */
  @Get()
  @RequireScopes('kaa:application:read')
  export(@CurrentUser() user: AuthUser, @Query('serviceInstanceName') instances?: string | string[], @Query('tenantId') tenantId?: string) {
    return this.configs.exportAppConfigs(user, list(instances), tenantId);
  }

  @Post()
  @HttpCode(200)
  @RequireScopes('kaa:application:update')
  bulkLoad(@Change() ctx: ChangeContext, @Body() body: Record<string, unknown>) {
    return this.configs.bulkLoad(ctx, body);
  }

  @Put('applications/:app')
  @RequireScopes('application:update')
  putApp(@Change() ctx: ChangeContext, @Param('app') app: string, @Body() body: Record<string, unknown>) {
    return this.configs.putAppConfig(ctx, app, body);
  }

  @Get('applications/:app')
  getApp(@CurrentUser() user: AuthUser, @Param('app') app: string, @Query('serviceInstanceName') instance?: string) {
    requireAnyScope(user, APP_READ);
    return this.configs.getAppConfig(user, app, instance);
  }

  @Patch('applications/:app')
  @RequireScopes('application:update')
  patchApp(@Change() ctx: ChangeContext, @Param('app') app: string, @Body() body: Record<string, unknown>, @Query('serviceInstanceName') instance?: string) {
    return this.configs.patchAppConfig(ctx, app, instance, body);
  }

  @Get('applications/:app/history')
  @RequireScopes('application:read')
  appHistory(
    @CurrentUser() user: AuthUser,
    @Param('app') app: string,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query('serviceInstanceName') instance?: string,
    @Query('page') page?: string,
    @Query('size') size?: string,
  ) {
    return pagedBody(reply, this.configs.history(user, { level: 'application', instance, appName: app }, pageRequest({ page, size }, HISTORY_PAGE)));
  }

  @Post('applications/:app/history/:revision/rollback')
  @HttpCode(200)
  @RequireScopes('application:update')
  rollbackApp(@Change() ctx: ChangeContext, @Param('app') app: string, @Param('revision', ParseIntPipe) revision: number, @Query('serviceInstanceName') instance?: string) {
    return this.configs.rollback(ctx, { level: 'application', instance, appName: app }, revision);
  }

  @Put('applications/:app/app-versions/:version')
  @RequireScopes('application:update')
  putVersion(@Change() ctx: ChangeContext, @Param('app') app: string, @Param('version') version: string, @Body() body: Record<string, unknown>) {
    return this.configs.putVersionConfig(ctx, app, version, body);
  }

  @Get('applications/:app/app-versions/:version')
  getVersion(@CurrentUser() user: AuthUser, @Param('app') app: string, @Param('version') version: string, @Query('serviceInstanceName') instance?: string) {
    requireAnyScope(user, APP_READ);
    return this.configs.getVersionConfig(user, app, version, instance);
  }

  @Patch('applications/:app/app-versions/:version')
  @RequireScopes('application:update')
  patchVersion(
    @Change() ctx: ChangeContext,
    @Param('app') app: string,
    @Param('version') version: string,
    @Body() body: Record<string, unknown>,
    @Query('serviceInstanceName') instance?: string,
  ) {
    return this.configs.patchVersionConfig(ctx, app, version, instance, body);
  }

  @Get('applications/:app/app-versions/:version/history')
  @RequireScopes('application:read')
  versionHistory(
    @CurrentUser() user: AuthUser,
    @Param('app') app: string,
    @Param('version') version: string,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query('serviceInstanceName') instance?: string,
    @Query('page') page?: string,
    @Query('size') size?: string,
  ) {
    const request = pageRequest({ page, size }, HISTORY_PAGE);
    return pagedBody(reply, this.configs.history(user, { level: 'app-version', instance, appName: app, appVersionName: version }, request));
  }

  @Post('applications/:app/app-versions/:version/history/:revision/rollback')
  @HttpCode(200)
  @RequireScopes('application:update')
  rollbackVersion(
    @Change() ctx: ChangeContext,
    @Param('app') app: string,
    @Param('version') version: string,
    @Param('revision', ParseIntPipe) revision: number,
    @Query('serviceInstanceName') instance?: string,
  ) {
    return this.configs.rollback(ctx, { level: 'app-version', instance, appName: app, appVersionName: version }, revision);
  }
}
