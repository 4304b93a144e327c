// The compose `dev` profile's issuer (tools/containers/dev-issuer.mjs), started as the container
// starts it: tokens fetched through its published address name the address the services know it
// by, verify against its JWKS, and its /tenants is what the services read as TENANT_MANAGER_URL.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const entry = join(root, 'tools', 'containers', 'dev-issuer.mjs');
const PUBLIC_URL = 'http://dev-issuer.compose.test:8090';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const baseEnv = (port: number) => ({
  PATH: process.env.PATH ?? '',
  PORT: String(port),
  HOST: '127.0.0.1',
  DEV_ISSUER_URL: PUBLIC_URL,
  DEV_CLIENT_SECRET: 'dev-secret',
  KAA_ECR_CLIENT_SECRET: 'ecr-secret',
});

async function token(base: string, tenant: string, id: string, secret: string) {
  const response = await fetch(`${base}/realms/${tenant}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  return { status: response.status, body: (await response.json()) as { access_token?: string; error?: string } };
}

describe('tools/containers/dev-issuer.mjs', () => {
  let child: ChildProcess;
  let local: string;

  beforeAll(async () => {
    const port = await freePort();
    local = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [entry], { env: baseEnv(port), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer) => {
        output += d;
        if (output.includes('listening')) resolve();
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code) => reject(new Error(`dev-issuer exited ${code}: ${output}`)));
    });
  });

  afterAll(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });

  it('serves the tenants demo, acme and kaa with issuers under its public URL', async () => {
    const tenants = (await (await fetch(`${local}/tenants`)).json()) as { id: string; issuer: string; jwksUri: string }[];
    expect(tenants.map((t) => t.id).sort()).toEqual(['acme', 'demo', 'kaa']);
    for (const tenant of tenants) {
      expect(tenant.issuer).toBe(`${PUBLIC_URL}/realms/${tenant.id}`);
      expect(tenant.jwksUri).toBe(`${PUBLIC_URL}/realms/${tenant.id}/protocol/openid-connect/certs`);
    }
  });

  it('gives client dev a token with every scope, naming the public issuer and verifying against the JWKS', async () => {
    const { status, body } = await token(local, 'demo', 'dev', 'dev-secret');
    expect(status).toBe(200);
    const claims = decodeJwt(body.access_token!);
    expect(claims.iss).toBe(`${PUBLIC_URL}/realms/demo`);
    expect(String(claims.scope).split(' ')).toEqual(expect.arrayContaining(['tenant:application:create', 'application:endpoint-config:update', 'watcher:read']));
    const jwks = createRemoteJWKSet(new URL(`${local}/realms/demo/protocol/openid-connect/certs`));
    await expect(jwtVerify(body.access_token!, jwks, { issuer: `${PUBLIC_URL}/realms/demo` })).resolves.toBeTruthy();
    // Another realm's keys do not verify it.
    const acme = createRemoteJWKSet(new URL(`${local}/realms/acme/protocol/openid-connect/certs`));
    await expect(jwtVerify(body.access_token!, acme)).rejects.toThrow();
  });

  it("gives client ecr the platform tenant's read scopes only there, and refuses a wrong secret", async () => {
    const ecr = await token(local, 'kaa', 'ecr', 'ecr-secret');
    expect(ecr.status).toBe(200);
    expect(decodeJwt(ecr.body.access_token!)).toMatchObject({ iss: `${PUBLIC_URL}/realms/kaa`, scope: 'kaa:application:read kaa:tenant:configuration:read' });
    expect((await token(local, 'demo', 'ecr', 'ecr-secret')).status).toBe(401);
    expect(await token(local, 'demo', 'dev', 'wrong')).toEqual({ status: 401, body: { error: 'invalid_client' } });
  });

  it.each([
    ['DEV_CLIENT_SECRET', { DEV_CLIENT_SECRET: '' }, /set DEV_CLIENT_SECRET/],
    ['KAA_ECR_CLIENT_SECRET', { KAA_ECR_CLIENT_SECRET: '' }, /set KAA_ECR_CLIENT_SECRET/],
    ['DEV_ISSUER_URL', { DEV_ISSUER_URL: 'dev-issuer:8090' }, /DEV_ISSUER_URL must be http\(s\):\/\/host\[:port\]/],
    ['DEV_ISSUER_TENANTS', { DEV_ISSUER_TENANTS: 'demo,acme' }, /must include the platform tenant kaa/],
  ])('refuses to start without a good %s, naming it', (_name, change, message) => {
    const result = spawnSync(process.execPath, [entry], { env: { ...baseEnv(1), ...change }, encoding: 'utf8', timeout: 20_000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(message);
  });
});
