export interface ClientCredentials {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
}

export class TokenRequestError extends Error {
  override name = 'TokenRequestError';
}

/**
 * OAuth 2.0 client-credentials tokens for service-to-service calls, cached until
 * `refreshMarginMs` before they expire; concurrent callers share one request.
 */
export class ClientCredentialsTokenSource {
  private cached?: { token: string; expiresAt: number };
  private pending?: Promise<string>;

  constructor(
    private readonly credentials: ClientCredentials,
    private readonly refreshMarginMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  async token(): Promise<string> {
    if (this.cached && this.now() < this.cached.expiresAt - this.refreshMarginMs) return this.cached.token;
    this.pending ??= this.request().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** Forget the cached token (e.g. after a 401). */
  invalidate() {
    this.cached = undefined;
  }

  private async request(): Promise<string> {
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (this.credentials.scope) body.set('scope', this.credentials.scope);
    const basic = Buffer.from(`${encodeURIComponent(this.credentials.clientId)}:${encodeURIComponent(this.credentials.clientSecret)}`).toString('base64');
    const response = await fetch(this.credentials.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
      body,
      signal: AbortSignal.timeout(10_000),
    }).catch((error: Error) => {
      throw new TokenRequestError(`token endpoint ${this.credentials.tokenUrl}: ${error.message}`);
    });
    if (!response.ok) {
      throw new TokenRequestError(`token endpoint ${this.credentials.tokenUrl}: HTTP ${response.status} ${await response.text().catch(() => '')}`);
    }
    const json = (await response.json()) as { access_token?: string; expires_in?: number };
    if (!json.access_token) throw new TokenRequestError('token endpoint answered without access_token');
    this.cached = { token: json.access_token, expiresAt: this.now() + (json.expires_in ?? 60) * 1000 };
    return json.access_token;
  }
}
