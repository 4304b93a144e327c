import { Body, Controller, Get, HttpCode, Param, Put } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, CurrentTenant, EcrScopes } from '@kaa/auth';
import { badRequest, notFound } from '@kaa/server';
import { requireAppVersionName } from '../configs/config-keys.js';
import { OwnershipService } from '../tenancy/ownership.js';
import { EndpointSchemaService } from './endpoint-schema.service.js';

@ApiTags('schemas')
@Controller('app-versions')
export class SchemasController {
  constructor(
    private readonly schemas: EndpointSchemaService,
    private readonly ownership: OwnershipService,
  ) {}

  @Get(':appVersionName/schemas')
  @Access.scopes(EcrScopes.defaultConfigRead)
  @ApiOperation({ summary: 'The effective endpoint-configuration JSON schema (version schema wins over the application schema)' })
  async getSchema(@CurrentTenant() tenantId: string, @Param('appVersionName') appVersionName: string): Promise<unknown> {
    const ref = requireAppVersionName(appVersionName);
    this.ownership.assertOwner(tenantId, ref);
    const effective = this.schemas.effective(ref);
    if (effective.schema === undefined) throw notFound(`no endpoint configuration schema for app version ${appVersionName}`);
    return effective.schema;
  }

  @Put(':appVersionName/schemas/validate')
  @Access.scopes(EcrScopes.defaultConfigRead)
  @HttpCode(200)
  @ApiOperation({ summary: 'Dry-run validation of a configuration: 200 when valid, 400 with JSON pointers otherwise' })
  @ApiBody({ schema: { description: 'Any JSON document' } })
  async validate(@CurrentTenant() tenantId: string, @Param('appVersionName') appVersionName: string, @Body() body: unknown): Promise<{ valid: true }> {
    const ref = requireAppVersionName(appVersionName);
    this.ownership.assertOwner(tenantId, ref);
    if (body === undefined) throw badRequest('the request body must be a JSON document');
    this.schemas.validate(ref, body);
    return { valid: true };
  }
}
