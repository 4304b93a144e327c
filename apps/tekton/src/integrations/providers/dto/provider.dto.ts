import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';
import { PROVIDER_TYPES, type ProviderType } from '../../integrations.options.js';

export const RESOURCE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const NAME_MESSAGE = 'name must be 1-63 lower-case letters, digits, "-" or "_", starting with a letter or digit';

export class CreateProviderDto {
  @ApiProperty({ example: 'audit-webhook' })
  @Matches(RESOURCE_NAME, { message: NAME_MESSAGE })
  name: string;

  @ApiProperty({ enum: PROVIDER_TYPES })
  @IsIn(PROVIDER_TYPES)
  type: ProviderType;

  @ApiProperty({ description: 'http(s) URL: the webhook, the Slack incoming webhook, or the GitHub API base URL', example: 'https://api.github.com' })
  @IsString()
  @MaxLength(2048)
  address: string;

  @ApiPropertyOptional({ description: 'Write-only: HMAC key (generic-hmac), token (github), webhook URL (slack, overrides address)', writeOnly: true })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(4096)
  secret?: string;

  @ApiPropertyOptional({ default: 10000, minimum: 100, maximum: 60000 })
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(60_000)
  timeoutMs?: number;
}

export class UpdateProviderDto {
  @ApiPropertyOptional({ enum: PROVIDER_TYPES })
  @IsOptional()
  @IsIn(PROVIDER_TYPES)
  type?: ProviderType;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  address?: string;

  @ApiPropertyOptional({ description: 'Write-only; null removes it. Changing address or type without a new secret removes the stored one', nullable: true, writeOnly: true })
  @IsOptional()
  @ValidateIf((_o, value) => value !== null)
  @IsString()
  @MinLength(1)
  @MaxLength(4096)
  secret?: string | null;

  @ApiPropertyOptional({ minimum: 100, maximum: 60000 })
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(60_000)
  timeoutMs?: number;
}

export class ProviderView {
  @ApiProperty() name: string;
  @ApiProperty({ enum: PROVIDER_TYPES }) type: ProviderType;
  @ApiProperty({ description: 'Shown as its origin, or origin/*** when it has a path or query (it may carry a credential)' }) address: string;
  @ApiProperty({ description: 'Whether a secret is stored (the secret itself is never returned)' }) secretSet: boolean;
  @ApiProperty() timeoutMs: number;
  @ApiProperty() createdDate: string;
  @ApiProperty() updatedDate: string;
}
