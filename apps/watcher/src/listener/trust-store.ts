import { X509Certificate } from 'node:crypto';
import { Injectable } from '@nestjs/common';

/** The CAs the listener currently trusts, shared by the TLS context and the XFCC check. */
@Injectable()
export class TrustStore {
  private authorities: X509Certificate[] = [];
  private bundle = '';
  private changes = 0;

  set(pems: readonly string[]) {
    const bundle = pems.join('\n');
    if (bundle === this.bundle) return;
    this.bundle = bundle;
    this.authorities = pems.map((pem) => new X509Certificate(pem));
    this.changes++;
  }

  get(): readonly X509Certificate[] {
    return this.authorities;
  }

  /** Changes whenever the bundle does: a certificate verified at an older generation must be re-checked. */
  generation(): number {
    return this.changes;
  }
}
