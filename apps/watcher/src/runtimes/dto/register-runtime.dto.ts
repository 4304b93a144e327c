import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';

/** A runtime id becomes a certificate CN and a log field: keep it a plain identifier. */
export const RUNTIME_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/** A DNS name (lower-case labels) or an IPv4 address; pinned exactly against the certificate SANs. */
export const DOMAIN_PATTERN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

export class RegisterRuntimeDto {
  @ApiProperty({ example: 'runtime-eu-1', description: 'Unique installation-wide; the client certificate CN' })
  @Matches(RUNTIME_ID_PATTERN, { message: 'runtimeId must be 1-63 letters, digits, ".", "_" or "-", starting with a letter or digit' })
  runtimeId: string;

  @ApiProperty({ example: 'rt1.example.com', description: 'Registered domain; the certificate carries it as DNS (or IP) SAN' })
  @Matches(DOMAIN_PATTERN, { message: 'domain must be a lower-case DNS name or an IPv4 address' })
  domain: string;
}
