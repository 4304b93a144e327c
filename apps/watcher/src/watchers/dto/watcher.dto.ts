import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsObject, IsOptional, Matches, ValidateNested, ValidatorConstraint, Validate, type ValidatorConstraintInterface } from 'class-validator';

/** A component is a subject token and a URL path segment. */
export const COMPONENT_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

@ValidatorConstraint({ name: 'stringMap' })
class StringMapConstraint implements ValidatorConstraintInterface {
  validate(value: unknown) {
    return (
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      Object.entries(value).every(([k, v]) => k.length > 0 && k.length <= 317 && typeof v === 'string' && v.length <= 63)
    );
  }

  defaultMessage() {
    return 'labelsToWatch must map label names to string values';
  }
}

export class ResourceToWatchDto {
  @ApiProperty({ example: 'operator.kyma-project.io', description: 'API group; empty for the core group' })
  @Matches(/^([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?)?$/, { message: 'group must be an API group name or empty' })
  group: string;

  @ApiProperty({ example: 'v1beta2', description: 'API version, or `*`' })
  @Matches(/^(\*|[a-z0-9]{1,63})$/, { message: 'version must be an API version or "*"' })
  version: string;

  @ApiProperty({ example: 'kymas', description: 'Plural resource name, or `*`' })
  @Matches(/^(\*|[a-z0-9][a-z0-9.-]{0,62})$/, { message: 'resource must be a plural resource name or "*"' })
  resource: string;
}

export class WatcherDto {
  @ApiProperty({ example: 'lifecycle-manager' })
  @Matches(COMPONENT_PATTERN, { message: 'component must be lower-case letters, digits, "-" or "_" (at most 63)' })
  component: string;

  @ApiProperty({ type: ResourceToWatchDto })
  // ValidateNested alone lets an absent value or an array through (and the service fails on it).
  @IsObject({ message: 'resourceToWatch must be an object' })
  @ValidateNested()
  @Type(() => ResourceToWatchDto)
  resourceToWatch: ResourceToWatchDto;

  @ApiPropertyOptional({ example: { 'operator.kyma-project.io/watched-by': 'kyma' } })
  @IsOptional()
  @IsObject()
  @Validate(StringMapConstraint)
  labelsToWatch?: Record<string, string>;

  @ApiProperty({ enum: ['spec', 'status'] })
  @IsIn(['spec', 'status'])
  field: 'spec' | 'status';
}
