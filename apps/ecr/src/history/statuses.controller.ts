import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Access, CurrentTenant, EcrScopes } from '@kaa/auth';
import { badRequest } from '@kaa/server';
import { hasNul } from '../messaging/wire-strings.js';
import { HistoryService, type StatusPage } from './history.service.js';

export const STATUSES_MAX_PAGE_SIZE = Symbol('ecr:statuses-max-page-size');
const DEFAULT_PAGE_SIZE = 20;

function nonNegativeInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  if (!/^\d{1,9}$/.test(value)) throw badRequest(`${name} must be a non-negative integer below 10^9`);
  return Number(value);
}

@ApiTags('statuses')
@Controller('statuses')
export class StatusesController {
  constructor(
    private readonly history: HistoryService,
    @Inject(STATUSES_MAX_PAGE_SIZE) private readonly maxPageSize: number,
  ) {}

  @Get()
  @Access.scopes(EcrScopes.endpointRead)
  @ApiOperation({ summary: 'Dispatched and confirmed configurations of an endpoint, newest first' })
  @ApiQuery({ name: 'endpointId', required: true })
  @ApiQuery({ name: 'appVersionName', required: false })
  @ApiQuery({ name: 'configId', required: false })
  @ApiQuery({ name: 'page', required: false })
  @ApiQuery({ name: 'size', required: false })
  page(
    @CurrentTenant() tenantId: string,
    @Query('endpointId') endpointId?: string,
    @Query('appVersionName') appVersionName?: string,
    @Query('configId') configId?: string,
    @Query('page') page?: string,
    @Query('size') size?: string,
  ): Promise<StatusPage> {
    if (!endpointId) throw badRequest('endpointId is required');
    // Postgres text cannot hold NUL: such a filter is malformed, not a server error.
    if (hasNul(endpointId, appVersionName, configId)) throw badRequest('endpointId, appVersionName and configId must not contain NUL characters');
    const pageSize = nonNegativeInt('size', size, DEFAULT_PAGE_SIZE);
    if (pageSize < 1 || pageSize > this.maxPageSize) throw badRequest(`size must be between 1 and ${this.maxPageSize}`);
    return this.history.page(
      tenantId,
      { endpointId, appVersionName: appVersionName || undefined, configId: configId || undefined },
      nonNegativeInt('page', page, 0),
      pageSize,
    );
  }
}
