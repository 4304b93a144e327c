import 'reflect-metadata';
import { randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKey = webcrypto.CryptoKey;

type CryptoKeyPairLike = { privateKey: CryptoKey; publicKey: CryptoKey };

/** ECDSA P-256 for every key: small, fast to generate, accepted by Go and Node TLS stacks. */
const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 3600 * 1000;

export interface IssuedCertificate {
  certificatePem: string;
  privateKeyPem: string;
  /** Lower-case hex, as stored for revocation checks. */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
}

export type { CryptoKey };

export interface SigningAuthority {
  certificatePem: string;
  privateKey: CryptoKey;
}

/** 16 random bytes, first byte in 0x10..0x7f: positive and without a leading zero in any hex rendering. */
export function newSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = 0x10 + (bytes[0] % 0x70);
  return bytes.toString('hex');
}

/** Serial numbers compare as lower-case hex without leading zeros (Node and x509 libraries differ). */
export function normalizeSerial(serial: string): string {
  return serial.toLowerCase().replace(/^0+(?=.)/, '');
}

async function generateKeys(): Promise<CryptoKeyPairLike> {
  return (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPairLike;
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key );
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

export async function importPrivateKey(pem: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decodeFirst(pem);
  return webcrypto.subtle.importKey('pkcs8', der, KEY_ALGORITHM, false, ['sign']);
}

function escapeDnValue(value: string): string {
  return value.replace(/([,+"\\<>;=])/g, '\\$1');
}

export async function createCertificateAuthority(commonName: string, validityDays: number, now = new Date()): Promise<IssuedCertificate> {
  const keys = await generateKeys();
  const serialNumber = newSerialNumber();
  const notBefore = new Date(now.getTime() - 60_000);
  const notAfter = new Date(now.getTime() + validityDays * DAY_MS);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber,
    name: `CN=${escapeDnValue(commonName)}`,
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certificatePem: cert.toString('pem'), privateKeyPem: await privateKeyPem(keys.privateKey), serialNumber, notBefore, notAfter };
}

export interface LeafRequest {
  commonName: string;
  /** DNS names and IP addresses. */
  altNames: string[];
  usage: 'client' | 'server';
  validityDays: number;
}

export async function issueCertificate(authority: SigningAuthority, request: LeafRequest, now = new Date()): Promise<IssuedCertificate> {
  const caCert = new x509.X509Certificate(authority.certificatePem);
  const keys = await generateKeys();
  const serialNumber = newSerialNumber();
  const notBefore = new Date(now.getTime() - 60_000);
  const notAfter = new Date(Math.min(now.getTime() + request.validityDays * DAY_MS, caCert.notAfter.getTime()));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber,
    subject: `CN=${escapeDnValue(request.commonName)}`,
    issuer: caCert.subject,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: authority.privateKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      // ECDSA keys sign (the TLS handshake); keyEncipherment is for RSA key transport only.
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([request.usage === 'client' ? x509.ExtendedKeyUsage.clientAuth : x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(request.altNames.map((value) => ({ type: isIP(value) ? ('ip' as const) : ('dns' as const), value }))),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
    ],
  });
  return { certificatePem: cert.toString('pem'), privateKeyPem: await privateKeyPem(keys.privateKey), serialNumber, notBefore, notAfter };
}
