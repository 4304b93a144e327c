import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Access, CurrentTenant, WatcherScopes } from '@kaa/auth';
import { pagedBody, pageRequest } from '@kaa/server';
import { RegisterRuntimeDto } from './dto/register-runtime.dto.js';
import { RuntimesService } from './runtimes.service.js';

@ApiTags('runtimes')
@Controller('runtimes')
export class RuntimesController {
  constructor(private readonly runtimes: RuntimesService) {}

  @Post()
  @Access.scopes(WatcherScopes.update)
  @ApiOperation({ summary: 'Register a runtime; returns its client certificate, private key and the CA bundle (once)' })
  register(@CurrentTenant() tenantId: string, @Body() body: RegisterRuntimeDto) {
    return this.runtimes.register(tenantId, body.runtimeId, body.domain);
  }

  @Get()
  @Access.scopes(WatcherScopes.read)
  list(@CurrentTenant() tenantId: string, @Res({ passthrough: true }) reply: FastifyReply, @Query('page') page?: string, @Query('size') size?: string) {
    return pagedBody(reply, this.runtimes.list(tenantId, pageRequest({ page, size }, this.runtimes.listPage)));
  }

  @Get(':runtimeId')
  @Access.scopes(WatcherScopes.read)
  get(@CurrentTenant() tenantId: string, @Param('runtimeId') runtimeId: string) {
    return this.runtimes.get(tenantId, runtimeId);
  }

  @Post(':runtimeId/certificate')
  @HttpCode(201)
  @Access.scopes(WatcherScopes.update)
  @ApiOperation({ summary: 'Rotate: issue a new client certificate and revoke the previous ones' })
  rotate(@CurrentTenant() tenantId: string, @Param('runtimeId') runtimeId: string) {
    return this.runtimes.rotateCertificate(tenantId, runtimeId);
  }

  @Delete(':runtimeId')
  @HttpCode(204)
  @Access.scopes(WatcherScopes.update)
  @ApiOperation({ summary: 'Revoke the runtime: its events are refused from now on' })
  async revoke(@CurrentTenant() tenantId: string, @Param('runtimeId') runtimeId: string) {
    await this.runtimes.revoke(tenantId, runtimeId);
  }
}
