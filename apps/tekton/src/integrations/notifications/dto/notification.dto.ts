import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import type { PlatformEventType } from '../../../events/platform-event.js';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../../integrations.options.js';
import { RESOURCE_NAME } from '../../providers/dto/provider.dto.js';
import { PLATFORM_EVENT_TYPES } from '../notification-filter.js';

export class NotificationFilterDto {
  @ApiPropertyOptional({ enum: PLATFORM_EVENT_TYPES, isArray: true, description: 'Empty: any type' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsIn(PLATFORM_EVENT_TYPES, { each: true })
  eventTypes?: PlatformEventType[];

  @ApiPropertyOptional({ type: [String], description: 'Application names; empty: any' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  applications?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Service instance names; empty: any' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  serviceInstances?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Regexes on the summary; if any is given, one must match' })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  include?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Regexes on the summary; none may match' })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  exclude?: string[];
}

export class CreateNotificationDto {
  @ApiProperty({ example: 'deploys-to-audit' })
  @Matches(RESOURCE_NAME, { message: 'name must be 1-63 lower-case letters, digits, "-" or "_", starting with a letter or digit' })
  name: string;

  @ApiProperty({ description: "Name of a provider of the caller's tenant" })
  @IsString()
  @MaxLength(63)
  providerRef: string;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  suspend?: boolean;

  @ApiPropertyOptional({ type: NotificationFilterDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => NotificationFilterDto)
  filter?: NotificationFilterDto;
}

export class UpdateNotificationDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(63)
  providerRef?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  suspend?: boolean;

  @ApiPropertyOptional({ type: NotificationFilterDto, description: 'Replaces the whole filter' })
  @IsOptional()
  @ValidateNested()
  @Type(() => NotificationFilterDto)
  filter?: NotificationFilterDto;
}

export class NotificationView {
  @ApiProperty() name: string;
  @ApiProperty() providerRef: string;
  @ApiProperty() suspend: boolean;
  @ApiProperty({ type: NotificationFilterDto }) filter: Required<NotificationFilterDto>;
  @ApiProperty() createdDate: string;
  @ApiProperty() updatedDate: string;
}

export class DeliveryQueryDto {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: DeliveryStatus;

  @ApiPropertyOptional({ description: 'zero-based page number' })
  @IsOptional()
  @IsString()
  page?: string;

  @ApiPropertyOptional({ description: 'page size, 1 to 500 (default 500)' })
  @IsOptional()
  @IsString()
  size?: string;
}

export class DeliveryView {
  @ApiProperty() id: string;
  @ApiProperty() eventId: string;
  @ApiProperty() eventType: string;
  @ApiProperty() summary: string;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status: DeliveryStatus;
  @ApiProperty() attempts: number;
  @ApiPropertyOptional({ nullable: true, description: 'Masked' }) lastError: string | null;
  @ApiPropertyOptional({ nullable: true }) lastStatusCode: number | null;
  @ApiPropertyOptional({ nullable: true }) nextAttemptDate: string | null;
  @ApiProperty() createdDate: string;
  @ApiPropertyOptional({ nullable: true }) completedDate: string | null;
}
