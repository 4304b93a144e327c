import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Access, CurrentUser, TektonScopes, type AuthUser } from '@kaa/auth';
import { BULK_INCLUDES, BulkService, type BulkExport } from './bulk.service.js';

const list = (value: string | string[] | undefined) => [value ?? []].flat().flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
const single = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value) || undefined;

@ApiTags('bulk')
@Controller('bulk')
export class BulkController {
  constructor(private readonly bulk: BulkService) {}

  @Get()
  @Access.scopes(TektonScopes.platformApplicationRead)
  @ApiOperation({ summary: 'Bulk export: tenants with their applications and versions; platform service accounts see every tenant' })
  @ApiQuery({ name: 'serviceInstanceName', required: false })
  @ApiQuery({ name: 'appName', required: false })
  @ApiQuery({ name: 'tenantId', required: false })
  @ApiQuery({ name: 'include', required: false, enum: BULK_INCLUDES, isArray: true })
  export(
    @CurrentUser() user: AuthUser,
    @Query('serviceInstanceName') serviceInstanceName?: string | string[],
    @Query('appName') appName?: string | string[],
    @Query('tenantId') tenantId?: string | string[],
    @Query('include') include?: string | string[],
  ): Promise<BulkExport> {
    return this.bulk.export(user, {
      serviceInstanceName: single(serviceInstanceName),
      appName: single(appName),
      tenantId: single(tenantId),
      include: list(include),
    });
  }
}
