/** What a request may find unreachable; the label of `dependency_unavailable_total`. */
export type Dependency = 'database' | 'nats';

/** Seconds a client is told to wait (`Retry-After`) when a dependency is down. */
export const RETRY_AFTER_SECONDS = 5;

/** What a client is told: `database unavailable`, `NATS unavailable`. */
export const unavailableMessage = (dependency: Dependency) => `${dependency === 'nats' ? 'NATS' : dependency} unavailable`;

/** A request failed because a dependency is unreachable: 503, never 500. */
export class DependencyUnavailableError extends Error {
  constructor(
    readonly dependency: Dependency,
    options?: { cause?: unknown },
  ) {
    super(unavailableMessage(dependency), options);
    this.name = 'DependencyUnavailableError';
  }
}

/** Socket-level failures; only Postgres is spoken to over raw sockets (NATS errors are its own classes). */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * SQLSTATEs meaning "the server is (going) away": 57P01 admin_shutdown, 57P02 crash_shutdown,
 * 57P03 cannot_connect_now, 53300 too_many_connections, and class 08 (connection exceptions).
 */
const isConnectionSqlState = (code: string) => code === '57P01' || code === '57P02' || code === '57P03' || code === '53300' || /^08[0-9A-Z]{3}$/.test(code);

/** Messages pg and pg-pool give without a code when a connection is lost or cannot be had. */
const PG_CONNECTION_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /client has encountered a connection error and is not queryable/i,
  /client was closed and is not queryable/i,
  /cannot use a pool after calling end on the pool/i,
  /the database system is (shutting down|starting up|in recovery mode)/i,
];

/** nats.js error names meaning the connection is closed, draining, or nobody answered in time. */
const NATS_ERROR_NAMES = new Set(['ClosedConnectionError', 'DrainingConnectionError', 'ConnectionError', 'NoResponders', 'NoRespondersError', 'TimeoutError', 'RequestError']);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  /** TypeORM's QueryFailedError keeps pg's error here. */
  driverError?: unknown;
}

/**
 * Which dependency an error says is unreachable, if any. Follows TypeORM's `driverError` and
 * `cause` chains, so a pg error wrapped by TypeORM or by our own code is still recognised.
 */
export function unavailableDependency(error: unknown): Dependency | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  const pending: unknown[] = [];
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const e = current as ErrorLike;
    if (!isOtherPeerFailure(e)) {
      const found = classifyOne(e);
      if (found) return found;
      if (e.driverError) pending.push(e.driverError);
      if (e.cause) pending.push(e.cause);
    }
    current = pending.shift();
  }
  return undefined;
}

/**
 * `fetch failed` (a TypeError) wraps socket errors of HTTP calls to other services, and
 * AbortSignal.timeout() rejects with a DOMException named TimeoutError: neither is our database
 * or NATS, so neither is looked into.
 */
function isOtherPeerFailure(e: ErrorLike): boolean {
  return e.name === 'TypeError' || (typeof DOMException !== 'undefined' && e instanceof DOMException);
}

function classifyOne(e: ErrorLike): Dependency | undefined {
  if (e instanceof DependencyUnavailableError) return e.dependency;
  const name = typeof e.name === 'string' ? e.name : '';
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (NATS_ERROR_NAMES.has(name) || /^NATS is not connected/.test(message)) return 'nats';
  if (SOCKET_CODES.has(code) || isConnectionSqlState(code)) return 'database';
  if (PG_CONNECTION_MESSAGES.some((pattern) => pattern.test(message))) return 'database';
  return undefined;
}
