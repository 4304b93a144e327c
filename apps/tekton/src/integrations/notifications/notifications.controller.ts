import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentTenant, RequireScopes } from '@kaa/auth';
import { API_PREFIX } from '@kaa/server';
import { SCOPES } from '../integrations.options.js';
import { CreateNotificationDto, DeliveryQueryDto, DeliveryView, NotificationView, UpdateNotificationDto } from './dto/notification.dto.js';
import { NotificationsService } from './notifications.service.js';

@ApiTags('integrations')
@Controller('notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @RequireScopes(SCOPES.read)
  @ApiOkResponse({ type: [NotificationView] })
  list(@CurrentTenant() tenant: string) {
    return this.notifications.list(tenant);
  }

  @Post()
  @RequireScopes(SCOPES.update)
  @ApiCreatedResponse({ type: NotificationView })
  async create(@CurrentTenant() tenant: string, @Body() dto: CreateNotificationDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const view = await this.notifications.create(tenant, dto);
    reply.header('Location', `/${API_PREFIX}/notifications/${encodeURIComponent(view.name)}`);
    return view;
  }

  @Get(':name')
  @RequireScopes(SCOPES.read)
  @ApiOkResponse({ type: NotificationView })
  get(@CurrentTenant() tenant: string, @Param('name') name: string) {
    return this.notifications.get(tenant, name);
  }

  @Patch(':name')
  @RequireScopes(SCOPES.update)
  @ApiOkResponse({ type: NotificationView })
  update(@CurrentTenant() tenant: string, @Param('name') name: string, @Body() dto: UpdateNotificationDto) {
    return this.notifications.update(tenant, name, dto);
  }

  @Delete(':name')
  @HttpCode(204)
  @RequireScopes(SCOPES.update)
  async remove(@CurrentTenant() tenant: string, @Param('name') name: string) {
    await this.notifications.remove(tenant, name);
  }

  /** The delivery log, newest first (at most 500): status, attempts, last error (masked). */
  @Get(':name/deliveries')
  @RequireScopes(SCOPES.read)
  @ApiOkResponse({ type: [DeliveryView] })
  deliveries(@CurrentTenant() tenant: string, @Param('name') name: string, @Query() query: DeliveryQueryDto) {
    return this.notifications.deliveries(tenant, name, query.status);
  }
}
