import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Access, CurrentTenant, TektonScopes } from '@kaa/auth';
import { API_PREFIX, pagedBody, pageRequest } from '@kaa/server';
import { Change, type ChangeContext } from '../common/change-context.js';
import { ApplicationsService } from './applications.service.js';
import { CreateApplicationDto, CreateAppVersionDto, UpdateApplicationDto, UpdateAppVersionDto } from './dto/application.dto.js';

const location = (...segments: string[]) => `/${API_PREFIX}/${segments.map(encodeURIComponent).join('/')}`;

@ApiTags('applications')
@Controller('applications')
export class ApplicationsController {
  constructor(private readonly applications: ApplicationsService) {}

  @Post()
  @Access.scopes(TektonScopes.applicationCreate)
  async create(@Change() ctx: ChangeContext, @Body() dto: CreateApplicationDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const app = await this.applications.create(ctx, dto);
    reply.status(201).header('location', location('applications', app.name));
    return app;
  }

  @Get()
  @Access.scopes(TektonScopes.applicationRead)
  list(@CurrentTenant() tenantId: string, @Res({ passthrough: true }) reply: FastifyReply, @Query('page') page?: string, @Query('size') size?: string) {
    return pagedBody(reply, this.applications.list(tenantId, pageRequest({ page, size }, this.applications.listPages.applications)));
  }

  @Get(':app')
  @Access.scopes(TektonScopes.applicationRead)
  get(@CurrentTenant() tenantId: string, @Param('app') app: string) {
    return this.applications.get(tenantId, app);
  }

  @Patch(':app')
  @Access.scopes(TektonScopes.applicationUpdate)
  update(@Change() ctx: ChangeContext, @Param('app') app: string, @Body() dto: UpdateApplicationDto) {
    return this.applications.update(ctx, app, dto);
  }

  @Delete(':app')
  @HttpCode(204)
  @Access.scopes(TektonScopes.applicationDelete)
  async remove(@Change() ctx: ChangeContext, @Param('app') app: string) {
    await this.applications.remove(ctx, app);
  }

  @Post(':app/app-versions')
  @Access.scopes(TektonScopes.applicationUpdate)
  async createVersion(
    @Change() ctx: ChangeContext,
    @Param('app') app: string,
    @Body() dto: CreateAppVersionDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const version = await this.applications.createVersion(ctx, app, dto);
    reply.status(201).header('location', location('applications', app, 'app-versions', version.name));
    return version;
  }

  @Get(':app/app-versions')
  @Access.scopes(TektonScopes.applicationRead)
  listVersions(
    @CurrentTenant() tenantId: string,
    @Param('app') app: string,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query('page') page?: string,
    @Query('size') size?: string,
  ) {
    return pagedBody(reply, this.applications.listVersions(tenantId, app, pageRequest({ page, size }, this.applications.listPages.versions)));
  }

  @Get(':app/app-versions/:version')
  @Access.scopes(TektonScopes.applicationRead)
  getVersion(@CurrentTenant() tenantId: string, @Param('app') app: string, @Param('version') version: string) {
    return this.applications.getVersion(tenantId, app, version);
  }

  @Patch(':app/app-versions/:version')
  @Access.scopes(TektonScopes.applicationUpdate)
  updateVersion(@Change() ctx: ChangeContext, @Param('app') app: string, @Param('version') version: string, @Body() dto: UpdateAppVersionDto) {
    return this.applications.updateVersion(ctx, app, version, dto);
  }

  @Delete(':app/app-versions/:version')
  @HttpCode(204)
  @Access.scopes(TektonScopes.applicationDelete)
  async removeVersion(@Change() ctx: ChangeContext, @Param('app') app: string, @Param('version') version: string) {
    await this.applications.removeVersion(ctx, app, version);
  }
}
