import { SecretBox } from './secret-box.js';
import { displayUrl, maskSecrets } from './mask.js';

describe('SecretBox', () => {
  const sut = new SecretBox('a-very-long-test-key-of-at-least-32-chars');

  it('round-trips and never stores the plain text', () => {
    const sealed = sut.encrypt('s3cr3t-token');
    expect(sealed).not.toContain('s3cr3t');
    expect(sut.decrypt(sealed)).toBe('s3cr3t-token');
    expect(sut.encrypt('s3cr3t-token')).not.toBe(sealed);
  });

  it('refuses a value sealed with another key or tampered with', () => {
    const sealed = sut.encrypt('value');
    expect(() => new SecretBox('another-very-long-key-of-32-characters!').decrypt(sealed)).toThrow();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('other').toString('base64url');
    expect(() => sut.decrypt(parts.join('.'))).toThrow();
  });

  it('refuses a short key', () => {
    expect(() => new SecretBox('short')).toThrow(/SECRETS_ENCRYPTION_KEY/);
  });
});

describe('maskSecrets', () => {
  it('masks secrets and URL paths', () => {
    expect(maskSecrets('token ghp_abcdef failed', ['ghp_abcdef'])).toBe('token *** failed');
    expect(maskSecrets('POST https://hooks.slack.com/services/T0/B0/XYZ failed')).toBe('POST https://hooks.slack.com/*** failed');
    expect(displayUrl('https://hooks.slack.com/services/T0/B0/XYZ')).toBe('https://hooks.slack.com/***');
    expect(displayUrl('https://api.github.com')).toBe('https://api.github.com');
  });
});
