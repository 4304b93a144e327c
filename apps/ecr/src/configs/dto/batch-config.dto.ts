import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsObject } from 'class-validator';

/** `PUT /endpoints/batch`: one configuration for many endpoints, keyed by app version name. */
export class BatchConfigDto {
  @ApiProperty({ description: 'The configuration document (any JSON)' })
  @IsDefined()
  configPayload: unknown;

  @ApiProperty({ description: 'Endpoint ids per app version name', example: { 'kettle-v1': ['ep-1', 'ep-2'] } })
  @IsObject()
  endpoints: Record<string, unknown>;
}
