import { Body, Controller, Get, HttpCode, Param, ParseIntPipe, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Access, CurrentUser, TektonScopes, type AuthUser } from '@kaa/auth';
import { pagedBody, pageRequest } from '@kaa/server';
import { Change, type ChangeContext } from '../common/change-context.js';
import { HISTORY_PAGE } from '../common/limits.js';
import { ConfigsService } from './configs.service.js';

const list = (value: string | string[] | undefined) => [value ?? []].flat().flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);

@ApiTags('app-configs')
@Controller('app-configs')
export class AppConfigsController {
  constructor(private readonly configs: ConfigsService) {}

  /** Full export; platform service accounts see every tenant. */
  @Get()
  @Access.scopes(TektonScopes.platformApplicationRead)
  export(@CurrentUser() user: AuthUser, @Query('serviceInstanceName') instances?: string | string[], @Query('tenantId') tenantId?: string) {
    return this.configs.exportAppConfigs(user, list(instances), tenantId);
  }

  @Post()
  @HttpCode(200)
  @Access.scopes(TektonScopes.platformApplicationUpdate)
  bulkLoad(@Change() ctx: ChangeContext, @Body() body: Record<string, unknown>) {
    return this.configs.bulkLoad(ctx, body);
  }

  @Put('applications/:app')
  @Access.scopes(TektonScopes.applicationUpdate)
  putApp(@Change() ctx: ChangeContext, @Param('app') app: string, @Body() body: Record<string, unknown>) {
    return this.configs.putAppConfig(ctx, app, body);
  }

  @Get('applications/:app')
  @Access.anyOf(TektonScopes.applicationRead, TektonScopes.platformApplicationRead)
  getApp(@CurrentUser() user: AuthUser, @Param('app') app: string, @Query('serviceInstanceName') instance?: string) {
    return this.configs.getAppConfig(user, app, instance);
  }

  @Patch('applications/:app')
  @Access.scopes(TektonScopes.applicationUpdate)
  patchApp(@Change() ctx: ChangeContext, @Param('app') app: string, @Body() body: Record<string, unknown>, @Query('serviceInstanceName') instance?: string) {
    return this.configs.patchAppConfig(ctx, app, instance, body);
  }

  @Get('applications/:app/history')
  @Access.scopes(TektonScopes.applicationRead)
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
  @Access.scopes(TektonScopes.applicationUpdate)
  rollbackApp(@Change() ctx: ChangeContext, @Param('app') app: string, @Param('revision', ParseIntPipe) revision: number, @Query('serviceInstanceName') instance?: string) {
    return this.configs.rollback(ctx, { level: 'application', instance, appName: app }, revision);
  }

  @Put('applications/:app/app-versions/:version')
  @Access.scopes(TektonScopes.applicationUpdate)
  putVersion(@Change() ctx: ChangeContext, @Param('app') app: string, @Param('version') version: string, @Body() body: Record<string, unknown>) {
    return this.configs.putVersionConfig(ctx, app, version, body);
  }

  @Get('applications/:app/app-versions/:version')
  @Access.anyOf(TektonScopes.applicationRead, TektonScopes.platformApplicationRead)
  getVersion(@CurrentUser() user: AuthUser, @Param('app') app: string, @Param('version') version: string, @Query('serviceInstanceName') instance?: string) {
    return this.configs.getVersionConfig(user, app, version, instance);
  }

  @Patch('applications/:app/app-versions/:version')
  @Access.scopes(TektonScopes.applicationUpdate)
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
  @Access.scopes(TektonScopes.applicationRead)
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
  @Access.scopes(TektonScopes.applicationUpdate)
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
