import type { ClientCredentialsTokenSource } from '@kaa/auth';

/** One endpoint as EPR lists it (`GET /endpoints`): only what ECR reads. */
export interface EprEndpoint {
  endpointId: string;
  appVersionName: string;
}

/** EPR did not answer usefully (down, timed out, 5xx, refused ECR's token, or a malformed page): retry later. */
export class EprUnavailableError extends Error {
  override name = 'EprUnavailableError';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** EPR answered 4xx for the filter: it does not know it (or not for this tenant). */
export class EprFilterNotFoundError extends Error {
  override name = 'EprFilterNotFoundError';
}

/** The filter holds more endpoints than one write may touch. */
export class EprTooManyEndpointsError extends Error {
  override name = 'EprTooManyEndpointsError';
  constructor(readonly atLeast: number) {
    super(`the filter holds at least ${atLeast} endpoints`);
  }
}

export interface EprClientOptions {
  /** EPR's base URL, without `/api/v1`. */
  baseUrl: string;
  tokens: Pick<ClientCredentialsTokenSource, 'token' | 'invalidate'>;
  /** Endpoints asked for per page (`limit`). */
  pageSize?: number;
  requestTimeoutMs?: number;
  /** Retry-After when EPR sends none. */
  retryAfterSeconds?: number;
}

interface EprPage {
  content: unknown[];
  totalElements?: number;
}

const DEFAULT_PAGE_SIZE = 100;
const DEFAULT_RETRY_AFTER_SECONDS = 5;

/**
 * Reads Kaa EPR's REST API with ECR's client-credentials token:
 * `GET {EPR_URL}/api/v1/endpoints?filterId=F&tenantId=T&offset=O&limit=L`, the parameters Kaa's
 * official Python client sends, answered `{content: [{endpointId, appVersion: {name}}], totalElements}`.
 */
export class EprClient {
  private readonly baseUrl: string;
  private readonly pageSize: number;
  private readonly retryAfterSeconds: number;

  constructor(private readonly options: EprClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    this.retryAfterSeconds = options.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS;
  }

  /**
   * Every endpoint EPR lists for the filter, following its pages. Stops (EprTooManyEndpointsError)
   * as soon as more than `max` are known, without reading the remaining pages.
   */
  async endpointsOfFilter(filterId: string, tenantId: string, max: number): Promise<EprEndpoint[]> {
    const endpoints: EprEndpoint[] = [];
    for (let offset = 0; ; ) {
      const page = await this.page(filterId, tenantId, offset);
      if (page.totalElements !== undefined && page.totalElements > max) throw new EprTooManyEndpointsError(page.totalElements);
      for (const item of page.content) endpoints.push(this.endpointOf(item));
      if (endpoints.length > max) throw new EprTooManyEndpointsError(endpoints.length);
      offset += page.content.length;
      const done = page.content.length === 0 || (page.totalElements !== undefined ? offset >= page.totalElements : page.content.length < this.pageSize);
      if (done) return endpoints;
    }
  }

  private async page(filterId: string, tenantId: string, offset: number): Promise<EprPage> {
    const query = new URLSearchParams({ filterId, tenantId, offset: String(offset), limit: String(this.pageSize) });
    const url = `${this.baseUrl}/api/v1/endpoints?${query}`;
    for (let attempt = 0; ; attempt++) {
      const token = await this.options.tokens.token().catch((error: Error) => {
        throw new EprUnavailableError(`no token for EPR: ${error.message}`, this.retryAfterSeconds, { cause: error });
      });
      const response = await fetch(url, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 10_000),
      }).catch((error: Error) => {
        throw new EprUnavailableError(`EPR is unreachable: ${error.message}`, this.retryAfterSeconds, { cause: error });
      });
      if (response.status === 401 && attempt === 0) {
        // The cached token may have been revoked or expired early: one fresh token, one retry.
        await response.body?.cancel();
        this.options.tokens.invalidate();
        continue;
      }
      if (response.ok) return this.parsePage(await response.text());
      const detail = (await response.text().catch(() => '')).slice(0, 200);
      if (response.status === 401 || response.status === 403) {
        throw new EprUnavailableError(`EPR refused ECR's token (HTTP ${response.status}): check CLIENT_ID and EPR_TOKEN_SCOPE`, this.retryAfterSeconds);
      }
      if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
        throw new EprFilterNotFoundError(`EPR knows no filter ${filterId} (HTTP ${response.status} ${detail})`);
      }
      throw new EprUnavailableError(`EPR answered HTTP ${response.status}`, retryAfterOf(response) ?? this.retryAfterSeconds);
    }
  }

  private parsePage(text: string): EprPage {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new EprUnavailableError('EPR answered a page that is not JSON', this.retryAfterSeconds);
    }
    const page = body as { content?: unknown; totalElements?: unknown };
    if (typeof body !== 'object' || body === null || !Array.isArray(page.content)) {
      throw new EprUnavailableError('EPR answered a page without a content list', this.retryAfterSeconds);
    }
    const total = typeof page.totalElements === 'number' && Number.isInteger(page.totalElements) && page.totalElements >= 0 ? page.totalElements : undefined;
    return { content: page.content, totalElements: total };
  }

  private endpointOf(item: unknown): EprEndpoint {
    const endpoint = item as { endpointId?: unknown; appVersion?: { name?: unknown } | null };
    const endpointId = endpoint?.endpointId;
    const appVersionName = endpoint?.appVersion?.name;
    if (typeof endpointId !== 'string' || endpointId.length === 0 || typeof appVersionName !== 'string') {
      throw new EprUnavailableError('EPR listed an endpoint without endpointId or appVersion.name', this.retryAfterSeconds);
    }
    return { endpointId, appVersionName };
  }
}

function retryAfterOf(response: Response): number | undefined {
  const value = Number(response.headers.get('retry-after'));
  return Number.isInteger(value) && value > 0 ? value : undefined;
}
