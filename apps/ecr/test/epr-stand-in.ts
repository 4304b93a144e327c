import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { DevIssuer } from '@kaa/testing';

export interface EprEndpointRecord {
  endpointId: string;
  appVersion: { name: string };
  metadata?: Record<string, unknown>;
}

export interface EprRequest {
  filterId: string | null;
  tenantId: string | null;
  offset: number;
  limit: number;
  /** `azp` of the verified bearer token: the client that asked. */
  client: string;
}

/**
 * Stands in for Kaa EPR's `GET /api/v1/endpoints`: filters by `filterId`, pages by `offset` and
 * `limit` (capped at `maxPageSize`, as a server caps its pages), answers `{content, totalElements}`
 * and 404 for an unknown filter. Every request must carry a bearer token the issuer's `realm`
 * signed for `clientId` (ECR's client-credentials token); anything else is 401.
 */
export class EprStandIn {
  readonly requests: EprRequest[] = [];
  /** When set, every request gets this status (a failing EPR). */
  failWith?: number;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly filters: Map<string, EprEndpointRecord[]>,
  ) {}

  static async start(options: { issuer: DevIssuer; realm: string; clientId: string; maxPageSize?: number }): Promise<EprStandIn> {
    const jwks = createRemoteJWKSet(new URL(options.issuer.jwksUriFor(options.realm)));
    const maxPageSize = options.maxPageSize ?? 100;
    const holder: { epr?: EprStandIn } = {};
    const server = createServer((req, res) => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      void (async () => {
        const epr = holder.epr!;
        const url = new URL(req.url ?? '/', epr.url);
        if (req.method !== 'GET' || url.pathname !== '/api/v1/endpoints') return send(404, { message: 'not found' });
        const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
        const verified = bearer
          ? await jwtVerify(bearer, jwks, { issuer: options.issuer.issuerFor(options.realm) }).catch(() => undefined)
          : undefined;
        if (!verified || verified.payload['azp'] !== options.clientId) return send(401, { message: 'unauthorized' });
        const offset = Number(url.searchParams.get('offset') ?? 0);
        const limit = Math.min(Number(url.searchParams.get('limit') ?? 20), maxPageSize);
        const filterId = url.searchParams.get('filterId');
        epr.requests.push({ filterId, tenantId: url.searchParams.get('tenantId'), offset, limit, client: String(verified.payload['azp']) });
        if (epr.failWith !== undefined) return send(epr.failWith, { message: 'failing on purpose' });
        const all = filterId === null ? [...epr.filters.values()].flat() : epr.filters.get(filterId);
        if (!all) return send(404, { message: `filter ${filterId} not found` });
        send(200, { content: all.slice(offset, offset + limit), totalElements: all.length });
      })().catch((error: Error) => send(500, { message: error.message }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as AddressInfo;
    holder.epr = new EprStandIn(server, `http://127.0.0.1:${port}`, new Map());
    return holder.epr;
  }

  /** Puts endpoints of one app version under a filter. */
  addFilter(filterId: string, appVersionName: string, endpointIds: string[]) {
    const records = endpointIds.map((endpointId) => ({ endpointId, appVersion: { name: appVersionName }, metadata: {} }));
    this.filters.set(filterId, [...(this.filters.get(filterId) ?? []), ...records]);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
