import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Access, CurrentTenant, TektonScopes } from '@kaa/auth';
import { API_PREFIX, pagedBody, pageRequest } from '@kaa/server';
import { DELIVERIES_PAGE, IntegrationQuota } from '../integration-quota.js';
import { CreateNotificationDto, DeliveryQueryDto, DeliveryView, NotificationView, UpdateNotificationDto } from './dto/notification.dto.js';
import { NotificationsService } from './notifications.service.js';

@ApiTags('integrations')
@Controller('notifications')
export class NotificationsController {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly quota: IntegrationQuota,
  ) {}

  @Get()
  @Access.scopes(TektonScopes.integrationRead)
  @ApiOkResponse({ type: [NotificationView] })
  list(@CurrentTenant() tenant: string, @Res({ passthrough: true }) reply: FastifyReply, @Query('page') page?: string, @Query('size') size?: string) {
    return pagedBody(reply, this.notifications.list(tenant, pageRequest({ page, size }, this.quota.notificationsPage)));
  }

  @Post()
  @Access.scopes(TektonScopes.integrationUpdate)
  @ApiCreatedResponse({ type: NotificationView })
  async create(@CurrentTenant() tenant: string, @Body() dto: CreateNotificationDto, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.quota.requireNotificationRoom(tenant);
    const view = await this.notifications.create(tenant, dto);
    reply.header('Location', `/${API_PREFIX}/notifications/${encodeURIComponent(view.name)}`);
    return view;
  }

  @Get(':name')
  @Access.scopes(TektonScopes.integrationRead)
  @ApiOkResponse({ type: NotificationView })
  get(@CurrentTenant() tenant: string, @Param('name') name: string) {
    return this.notifications.get(tenant, name);
  }

  @Patch(':name')
  @Access.scopes(TektonScopes.integrationUpdate)
  @ApiOkResponse({ type: NotificationView })
  update(@CurrentTenant() tenant: string, @Param('name') name: string, @Body() dto: UpdateNotificationDto) {
    return this.notifications.update(tenant, name, dto);
  }

  @Delete(':name')
  @HttpCode(204)
  @Access.scopes(TektonScopes.integrationUpdate)
  async remove(@CurrentTenant() tenant: string, @Param('name') name: string) {
    await this.notifications.remove(tenant, name);
  }

  /** The delivery log, newest first, in pages of at most 500: status, attempts, last error (masked). */
  @Get(':name/deliveries')
  @Access.scopes(TektonScopes.integrationRead)
  @ApiOkResponse({ type: [DeliveryView] })
  deliveries(@CurrentTenant() tenant: string, @Param('name') name: string, @Query() query: DeliveryQueryDto, @Res({ passthrough: true }) reply: FastifyReply) {
    return pagedBody(reply, this.notifications.deliveries(tenant, name, query.status, pageRequest(query, DELIVERIES_PAGE)));
  }
}
