import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, WatcherScopes } from '@kaa/auth';
import { CertificateAuthorityService } from './certificate-authority.service.js';

@ApiTags('certificate authority')
@Controller('ca')
export class CertificateAuthorityController {
  constructor(private readonly ca: CertificateAuthorityService) {}

  @Get()
  @Access.scopes(WatcherScopes.read)
  @ApiOperation({ summary: 'The CA bundle runtimes must trust, and the CAs in it' })
  get() {
    return this.ca.summary();
  }

  @Post('rotate')
  @HttpCode(200)
  @Access.platform(WatcherScopes.admin)
  @ApiOperation({ summary: 'Create a new CA; the previous one stays trusted for CA_ROTATION_GRACE_SECONDS' })
  async rotate() {
    return { authorities: await this.ca.rotate() };
  }
}
