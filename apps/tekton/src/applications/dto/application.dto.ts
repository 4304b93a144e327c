import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { APP_NAME_PATTERN, MAX_NAME_LENGTH, VERSION_SUFFIX_PATTERN } from '../names.js';

export class CreateApplicationDto {
  @ApiPropertyOptional({ description: 'Generated (20 lower-case alphanumeric characters) when absent', pattern: APP_NAME_PATTERN.source })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_NAME_LENGTH)
  @Matches(APP_NAME_PATTERN, { message: 'name must be lower-case letters, digits, "-" and "_"' })
  name?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) displayName?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) description?: string;
  /** Sent by the Web Dashboard's client; accepted and not stored. */
  @ApiPropertyOptional({ description: 'Accepted for Kaa client compatibility; ignored' }) @IsOptional() @IsString() group?: string;
}

export class UpdateApplicationDto {
  @ApiPropertyOptional({ description: 'Must equal the path name when present (no renames)' }) @IsOptional() @IsString() name?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) displayName?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) description?: string;
}

export class CreateAppVersionDto {
  @ApiPropertyOptional({ pattern: VERSION_SUFFIX_PATTERN.source, required: true })
  @IsString()
  @MaxLength(MAX_NAME_LENGTH)
  @Matches(VERSION_SUFFIX_PATTERN, { message: 'nameSuffix must be lower-case letters and digits' })
  nameSuffix: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) displayName?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) description?: string;
}

export class UpdateAppVersionDto {
  @ApiPropertyOptional({ description: 'Must equal the path name when present' }) @IsOptional() @IsString() name?: string;
  @ApiPropertyOptional({ description: 'Must equal the application name when present' }) @IsOptional() @IsString() applicationName?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) displayName?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) description?: string;
}
