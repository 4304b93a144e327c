import { X509Certificate } from 'node:crypto';
import { createCertificateAuthority, importPrivateKey, issueCertificate } from '../pki/certificates.js';
import { chainsTo, commonNameOf, sanMatches, subjectAltNamesOf } from './client-certificate.js';

describe('client certificate checks', () => {
  it('reads CN and SANs, pins the domain exactly and checks the chain', async () => {
    const ca = await createCertificateAuthority('ca', 1);
    const other = await createCertificateAuthority('other', 1);
    const issued = await issueCertificate(
      { certificatePem: ca.certificatePem, privateKey: await importPrivateKey(ca.privateKeyPem) },
      { commonName: 'rt-1', altNames: ['rt1.example.com', '10.0.0.1'], usage: 'client', validityDays: 1 },
    );
    const sut = new X509Certificate(issued.certificatePem);
    expect(commonNameOf(sut)).toBe('rt-1');
    expect(subjectAltNamesOf(sut)).toEqual(['rt1.example.com', '10.0.0.1']);
    expect(sanMatches(sut, 'rt1.example.com')).toBe(true);
    expect(sanMatches(sut, '10.0.0.1')).toBe(true);
    expect(sanMatches(sut, 'example.com')).toBe(false);
    expect(chainsTo(sut, [new X509Certificate(ca.certificatePem)])).toBe(true);
    expect(chainsTo(sut, [new X509Certificate(other.certificatePem)])).toBe(false);
    expect(chainsTo(sut, [new X509Certificate(ca.certificatePem)], new Date(Date.now() + 3 * 24 * 3600 * 1000))).toBe(false);
  });
});
