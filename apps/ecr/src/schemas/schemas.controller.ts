import { Body, Controller, Get, HttpCode, Param, Put } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '@kaa/auth';
import { badRequest, notFound } from '@kaa/server';
import { requireAppVersionName } from '../configs/config-keys.js';
import { DEFAULT_CONFIG_SCOPES } from '../configs/default-config.controller.js';
import { EndpointSchemaService } from './endpoint-schema.service.js';

@ApiTags('schemas')
@Controller('app-versions')
export class SchemasController {
  constructor(private readonly schemas: EndpointSchemaService) {}

  @Get(':appVersionName/schemas')
  @RequireScopes(DEFAULT_CONFIG_SCOPES.read)
  @ApiOperation({ summary: 'The effective endpoint-configuration JSON schema (version schema wins over the application schema)' })
  getSchema(@Param('appVersionName') appVersionName: string): unknown {
    const effective = this.schemas.effective(requireAppVersionName(appVersionName));
    if (effective.schema === undefined) throw notFound(`no endpoint configuration schema for app version ${appVersionName}`);
    return effective.schema;
  }

  @Put(':appVersionName/schemas/validate')
  @RequireScopes(DEFAULT_CONFIG_SCOPES.read)
  @HttpCode(200)
  @ApiOperation({ summary: 'Dry-run validation of a configuration: 200 when valid, 400 with JSON pointers otherwise' })
  @ApiBody({ schema: { description: 'Any JSON document' } })
  validate(@Param('appVersionName') appVersionName: string, @Body() body: unknown): { valid: true } {
    if (body === undefined) throw badRequest('the request body must be a JSON document');
    this.schemas.validate(requireAppVersionName(appVersionName), body);
    return { valid: true };
  }
}
