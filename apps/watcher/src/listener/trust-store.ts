import { X509Certificate } from 'node:crypto';
import { Injectable } from '@nestjs/common';

/** The CAs the listener currently trusts, shared by the TLS context and the XFCC check. */
@Injectable()
export class TrustStore {
  private authorities: X509Certificate[] = [];

  set(pems: readonly string[]) {
    this.authorities = pems.map((pem) => new X509Certificate(pem));
  }

  get(): readonly X509Certificate[] {
    return this.authorities;
  }
}
