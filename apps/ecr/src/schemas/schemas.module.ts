import { Module } from '@nestjs/common';
import { EndpointSchemaService } from './endpoint-schema.service.js';
import { SchemasController } from './schemas.controller.js';

@Module({
  controllers: [SchemasController],
  providers: [EndpointSchemaService],
  exports: [EndpointSchemaService],
})
export class SchemasModule {}
