import 'reflect-metadata';
import { X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { createCertificateAuthority, importPrivateKey, issueCertificate, normalizeSerial } from './certificates.js';

describe('certificates', () => {
  it('issues a client certificate that chains to the CA with CN = runtime id and DNS SAN = domain', async () => {
    const ca = await createCertificateAuthority('kaa watcher CA', 10);
    const sut = await issueCertificate(
      { certificatePem: ca.certificatePem, privateKey: await importPrivateKey(ca.privateKeyPem) },
      { commonName: 'runtime-1', altNames: ['rt1.example.com'], usage: 'client', validityDays: 5 },
    );
    const cert = new X509Certificate(sut.certificatePem);
    const caCert = new X509Certificate(ca.certificatePem);
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.subject).toBe('CN=runtime-1');
    expect(cert.subjectAltName).toBe('DNS:rt1.example.com');
    expect(normalizeSerial(cert.serialNumber)).toBe(normalizeSerial(sut.serialNumber));
    expect(caCert.ca).toBe(true);
    expect(cert.ca).toBe(false);
  });

  it('puts IP addresses into IP SANs', async () => {
    const ca = await createCertificateAuthority('ca', 1);
    const sut = await issueCertificate(
      { certificatePem: ca.certificatePem, privateKey: await importPrivateKey(ca.privateKeyPem) },
      { commonName: 'listener', altNames: ['localhost', '127.0.0.1'], usage: 'server', validityDays: 1 },
    );
    expect(new X509Certificate(sut.certificatePem).subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1');
  });

  it('gives ECDSA leaf certificates digitalSignature as their only key usage (no keyEncipherment)', async () => {
    const ca = await createCertificateAuthority('ca', 1);
    const sut = await issueCertificate(
      { certificatePem: ca.certificatePem, privateKey: await importPrivateKey(ca.privateKeyPem) },
      { commonName: 'runtime-1', altNames: ['rt1.example.com'], usage: 'client', validityDays: 1 },
    );
    const usages = new x509.X509Certificate(sut.certificatePem).getExtension(x509.KeyUsagesExtension);
    expect(usages?.critical).toBe(true);
    expect(usages?.usages).toBe(x509.KeyUsageFlags.digitalSignature);
  });
});
