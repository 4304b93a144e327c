import { Module } from '@nestjs/common';
import { CertificateAuthorityController } from './certificate-authority.controller.js';
import { CertificateAuthorityService } from './certificate-authority.service.js';

@Module({
  controllers: [CertificateAuthorityController],
  providers: [CertificateAuthorityService],
  exports: [CertificateAuthorityService],
})
export class PkiModule {}
