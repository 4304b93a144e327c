import { Body, Controller, Param, Put, Query, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Access, CurrentTenant, EcrScopes } from '@kaa/auth';
import { badRequest, DomainError } from '@kaa/server';
import { hasNul } from '../messaging/wire-strings.js';
import { requireConfigName } from '../configs/config-keys.js';
import { toView } from '../configs/config-view.js';
import { EprUnavailableError } from './epr-client.js';
import { FilterConfigsService } from './filter-configs.service.js';

@ApiTags('endpoint configurations')
@Controller('endpoints')
export class FilterConfigsController {
  constructor(private readonly filters: FilterConfigsService) {}

  @Put('filters/:filterId')
  @Access.scopes(EcrScopes.endpointUpdate)
  @ApiOperation({ summary: 'Store one configuration for every endpoint of a Kaa EPR endpoint filter, in one transaction' })
  @ApiQuery({ name: 'name', required: false })
  @ApiBody({ schema: { description: 'Any JSON document' } })
  async put(
    @CurrentTenant() tenantId: string,
    @Param('filterId') filterId: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query('name') name?: string,
  ) {
    if (filterId.length === 0 || filterId.length > 256 || hasNul(filterId)) throw badRequest('invalid filter id');
    if (body === undefined) throw badRequest('the request body must be a JSON document');
    const configName = requireConfigName(name);
    try {
      const stored = await this.filters.putByFilter(tenantId, filterId, configName, body);
      return stored.map((config) => ({ endpointId: config.endpointId, appVersionName: config.appVersionName, ...toView(config) }));
    } catch (error) {
      if (!(error instanceof EprUnavailableError)) throw error;
      reply.header('retry-after', String(error.retryAfterSeconds));
      throw new DomainError('UNAVAILABLE', `${error.message}; nothing was stored, retry later`);
    }
  }
}
