import 'reflect-metadata';
import { webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { createCertificateAuthority, importPrivateKey, issueCertificate } from '../pki/certificates.js';
import { chainsTo, commonNameOf, parseSubjectAltNames, sanMatches, splitOutsideQuotes, subjectAltNamesOf } from './client-certificate.js';

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

  it('does not split a quoted URI SAN at its commas (no forged DNS SAN)', async () => {
    const ca = await createCertificateAuthority('ca', 1);
    const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const uri = 'https://evil.example/, DNS:rt1.example.com,';
    const forged = await x509.X509CertificateGenerator.create({
      serialNumber: '01',
      subject: 'CN=rt-1',
      issuer: new x509.X509Certificate(ca.certificatePem).subject,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 3600_000),
      publicKey: keys.publicKey,
      signingKey: await importPrivateKey(ca.privateKeyPem),
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: uri }])],
    });
    const sut = new X509Certificate(forged.toString('pem'));
    expect(subjectAltNamesOf(sut)).toEqual([uri]);
    expect(sanMatches(sut, 'rt1.example.com')).toBe(false);
  });

  it('keeps a quoted URI SAN with literal commas whole (no forged DNS SAN)', () => {
    // Some Node/OpenSSL versions render commas inside quoted values literally, others as \u002c.
    expect(parseSubjectAltNames('URI:"https://evil.example/, DNS:rt1.example.com,", DNS:ok.example.com')).toEqual([
      'https://evil.example/, DNS:rt1.example.com,',
      'ok.example.com',
    ]);
  });

  it('splits SAN text only on commas outside double quotes', () => {
    expect(splitOutsideQuotes('DNS:a.example, URI:"x, \\"y\\", z", IP Address:10.0.0.1')).toEqual(['DNS:a.example', 'URI:"x, \\"y\\", z"', 'IP Address:10.0.0.1']);
  });
});
