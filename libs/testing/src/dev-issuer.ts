import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';

export interface DevClient {
  clientId: string;
  clientSecret: string;
  tenant: string;
  scope: string;
}

export interface MintClaims {
  scope: string | string[];
  sub?: string;
  /** `null`: no `exp` claim at all (for negative tests). */
  expiresInSeconds?: number | null;
  /** Extra claims, e.g. a wrong `iss` for negative tests. */
  extra?: Record<string, unknown>;
}

interface Realm {
  privateKey: CryptoKey;
  jwk: JWK;
}

type CryptoKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

/**
 * A development OAuth 2.0 issuer with one realm (issuer, key pair, JWKS) per tenant, in the
 * Keycloak URL layout Kaa uses. It mints tokens directly and serves the client-credentials grant.
 * Also answers `GET /tenants` like a tenant manager.
 */
export class DevIssuer {
  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
    private readonly realms: Map<string, Realm>,
    private readonly clients: DevClient[],
  ) {}

  /**
   * `publicUrl`: the base URL in `iss` and the JWKS URLs, when clients reach the issuer under
   * another name than the address it listens on (a container: listens on 0.0.0.0, called dev-issuer).
   * `keysFile`: keep the realms' key pairs in this JSON file (created with mode 600 when missing,
   * realms added when new tenants appear), so tokens minted before a restart still verify after it.
   */
  static async start(options: { port?: number; host?: string; publicUrl?: string; tenants: string[]; clients?: DevClient[]; keysFile?: string }): Promise<DevIssuer> {
    const realms = options.keysFile ? await loadRealms(options.keysFile, options.tenants) : new Map<string, Realm>();
    for (const tenant of options.tenants) if (!realms.has(tenant)) realms.set(tenant, await newRealm());
    const holder: { issuer?: DevIssuer } = {};
    const server = createServer((req, res) => {
      if (!holder.issuer) return send(res, 503, { error: 'starting' });
      void holder.issuer
        .handle(req, res).catch((error: Error) => send(res, 500, { error: 'server_error', error_description: error.message }));
    });
    const host = options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const baseUrl = options.publicUrl?.replace(/\/+$/, '') ?? `http://${host}:${port}`;
    holder.issuer = new DevIssuer(server, baseUrl, realms, [...(options.clients ?? [])]);
    return holder.issuer;
  }

  issuerFor(tenant: string) {
    return `${this.baseUrl}/realms/${tenant}`;
  }

  jwksUriFor(tenant: string) {
    return `${this.issuerFor(tenant)}/protocol/openid-connect/certs`;
  }

  tokenUrlFor(tenant: string) {
    return `${this.issuerFor(tenant)}/protocol/openid-connect/token`;
  }

  tenants(): { id: string; issuer: string; jwksUri: string }[] {
    return [...this.realms.keys()].map((id) => ({ id, issuer: this.issuerFor(id), jwksUri: this.jwksUriFor(id) }));
  }

  addClient(client: DevClient) {
    this.clients.push(client);
  }

  async mint(tenant: string, claims: MintClaims): Promise<string> {
    const realm = this.realm(tenant);
    const scope = Array.isArray(claims.scope) ? claims.scope.join(' ') : claims.scope;
    const jwt = new SignJWT({ scope, ...claims.extra })
      .setProtectedHeader({ alg: 'RS256', kid: realm.jwk.kid, typ: 'JWT' })
      .setIssuer(this.issuerFor(tenant))
      .setSubject(claims.sub ?? 'dev-user')
      .setJti(randomUUID())
      // An `iat` in `extra` (e.g. in the future, for negative tests) wins over "now".
      .setIssuedAt(typeof claims.extra?.iat === 'number' ? claims.extra.iat : undefined);
    if (claims.expiresInSeconds !== null) jwt.setExpirationTime(Math.floor(Date.now() / 1000) + (claims.expiresInSeconds ?? 3600));
    return jwt.sign(realm.privateKey);
  }

  /** A token signed by a key that is not in any JWKS, with this tenant's issuer. */
  async mintWithForeignKey(tenant: string, claims: MintClaims): Promise<string> {
    const foreign = await newRealm();
    return new SignJWT({ scope: Array.isArray(claims.scope) ? claims.scope.join(' ') : claims.scope })
      .setProtectedHeader({ alg: 'RS256', kid: foreign.jwk.kid })
      .setIssuer(this.issuerFor(tenant))
      .setSubject(claims.sub ?? 'dev-user')
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + 3600)
      .sign(foreign.privateKey);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private realm(tenant: string): Realm {
    const realm = this.realms.get(tenant);
    if (!realm) throw new Error(`DevIssuer has no realm for tenant ${tenant}`);
    return realm;
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', this.baseUrl);
    if (req.method === 'GET' && url.pathname === '/tenants') return send(res, 200, this.tenants());
    const match = /^\/realms\/([^/]+)\/protocol\/openid-connect\/(certs|token)$/.exec(url.pathname);
    const realm = match ? this.realms.get(match[1]) : undefined;
    if (!match || !realm) return send(res, 404, { error: 'not_found' });
    if (match[2] === 'certs' && req.method === 'GET') return send(res, 200, { keys: [realm.jwk] });
    if (match[2] === 'token' && req.method === 'POST') return this.token(match[1], req, res);
    return send(res, 405, { error: 'method_not_allowed' });
  }

  private async token(tenant: string, req: IncomingMessage, res: ServerResponse) {
    const form = new URLSearchParams(await readBody(req));
    let clientId = form.get('client_id') ?? '';
    let clientSecret = form.get('client_secret') ?? '';
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
    if (basic) {
      const [id, secret] = Buffer.from(basic[1], 'base64').toString().split(':');
      clientId = decodeURIComponent(id ?? '');
      clientSecret = decodeURIComponent(secret ?? '');
    }
    if (form.get('grant_type') !== 'client_credentials') return send(res, 400, { error: 'unsupported_grant_type' });
    const client = this.clients.find((c) => c.clientId === clientId && c.tenant === tenant);
    if (!client || client.clientSecret !== clientSecret) return send(res, 401, { error: 'invalid_client' });
    const expiresIn = 300;
    const accessToken = await this.mint(tenant, { scope: client.scope, sub: `service-account-${clientId}`, expiresInSeconds: expiresIn, extra: { azp: clientId } });
    return send(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn, scope: client.scope });
  }
}

async function newRealm(): Promise<Realm> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: randomUUID(), alg: 'RS256', use: 'sig' };
  return { privateKey, jwk };
}

const PRIVATE_JWK_MEMBERS = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi']);

/** Realms from `file` ({tenant: private JWK}); generates and saves the missing ones. */
async function loadRealms(file: string, tenants: string[]): Promise<Map<string, Realm>> {
  let stored: Record<string, JWK> = {};
  try {
    stored = JSON.parse(readFileSync(file, 'utf8')) as Record<string, JWK>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`DevIssuer: cannot read its keys from ${file}: ${(error as Error).message}`);
  }
  const realms = new Map<string, Realm>();
  let changed = false;
  for (const tenant of tenants) {
    const privateJwk = stored[tenant];
    if (privateJwk?.d && privateJwk.kid) {
      const privateKey = (await importJWK(privateJwk, 'RS256')) as CryptoKey;
      const jwk = Object.fromEntries(Object.entries(privateJwk).filter(([key]) => !PRIVATE_JWK_MEMBERS.has(key))) as JWK;
      realms.set(tenant, { privateKey, jwk });
    } else {
      const realm = await newRealm();
      stored[tenant] = { ...(await exportJWK(realm.privateKey)), kid: realm.jwk.kid, alg: 'RS256', use: 'sig' };
      realms.set(tenant, realm);
      changed = true;
    }
  }
  if (changed) {
    // Written aside and renamed: a crash mid-write never leaves a half file that loses every key.
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }
  return realms;
}

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      data += chunk;
      if (data.length > 65536) req.destroy(new Error('body too large'));
    });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}
