import { decryptSecret, encryptSecret, KeyDecryptionError } from './key-encryption.js';

describe('CA key encryption', () => {
  const secret = 'a'.repeat(32);

  it('round-trips and never stores the plain text', () => {
    const plain = Buffer.from('-----BEGIN PRIVATE KEY-----secret material');
    const sut = encryptSecret(plain, secret);
    expect(sut).toMatch(/^v1:/);
    expect(Buffer.from(sut.slice(3), 'base64').includes(plain)).toBe(false);
    expect(decryptSecret(sut, secret).equals(plain)).toBe(true);
  });

  it('refuses another secret and tampered data', () => {
    const sut = encryptSecret(Buffer.from('key'), secret);
    expect(() => decryptSecret(sut, 'b'.repeat(32))).toThrow(KeyDecryptionError);
    const tampered = Buffer.from(sut.slice(3), 'base64');
    tampered[tampered.length - 1] ^= 1;
    expect(() => decryptSecret(`v1:${tampered.toString('base64')}`, secret)).toThrow(KeyDecryptionError);
  });
});
