import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { DevIssuer } from './dev-issuer.js';

const dir = mkdtempSync(join(tmpdir(), 'kaa-test-issuer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function verify(issuer: DevIssuer, tenant: string, token: string) {
  const jwks = createRemoteJWKSet(new URL(issuer.jwksUriFor(tenant)));
  return jwtVerify(token, jwks, { issuer: issuer.issuerFor(tenant) });
}

describe('DevIssuer with a keys file', () => {
  it('verifies a token minted before a restart (same port, same file)', async () => {
    const keysFile = join(dir, 'restart', 'dev-issuer-keys.json');
    const first = await DevIssuer.start({ tenants: ['demo'], keysFile });
    const port = new URL(first.baseUrl).port;
    const token = await first.mint('demo', { scope: 'application:read' });
    await first.close();
    expect(statSync(keysFile).mode & 0o777).toBe(0o600);

    const second = await DevIssuer.start({ port: Number(port), tenants: ['demo', 'acme'], keysFile });
    try {
      const { payload } = await verify(second, 'demo', token);
      expect(payload.scope).toBe('application:read');
      // The tenant added later has its own key: demo's token does not verify there.
      const acme = await second.mint('acme', { scope: 'x' });
      await expect(verify(second, 'demo', acme)).rejects.toThrow();
    } finally {
      await second.close();
    }
  });

  it('without a keys file, a restart makes new keys (earlier tokens no longer verify)', async () => {
    const first = await DevIssuer.start({ tenants: ['demo'] });
    const port = Number(new URL(first.baseUrl).port);
    const token = await first.mint('demo', { scope: 'application:read' });
    await first.close();
    const second = await DevIssuer.start({ port, tenants: ['demo'] });
    try {
      await expect(verify(second, 'demo', token)).rejects.toThrow(/no applicable key found/);
    } finally {
      await second.close();
    }
  });
});
