import { CertificateAuthority } from '../pki/certificate-authority.entity.js';
import { RuntimeCertificate } from '../runtimes/runtime-certificate.entity.js';
import { Runtime } from '../runtimes/runtime.entity.js';
import { Watcher } from '../watchers/watcher.entity.js';

/** Every entity of this service; the outbox entity comes from @kaa/persistence. */
export const entities: (new () => object)[] = [CertificateAuthority, Runtime, RuntimeCertificate, Watcher];
