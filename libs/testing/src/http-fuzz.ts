import { Agent, request } from 'node:http';

/** A small, fast, seedable PRNG (mulberry32): the same seed gives the same fuzz run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FuzzRoute {
  method: string;
  /** OpenAPI path template, `/api/v1/applications/{app}`. */
  path: string;
}

/** Every operation of the service's OpenAPI document (`/api/docs/json`). */
export async function openApiRoutes(origin: string): Promise<FuzzRoute[]> {
  const doc = (await (await fetch(`${origin}/api/docs/json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  const methods = new Set(['get', 'post', 'put', 'patch', 'delete']);
  return Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.keys(operations)
      .filter((method) => methods.has(method))
      .map((method) => ({ method: method.toUpperCase(), path })),
  );
}

export interface HttpFuzzOptions {
  /** `http://127.0.0.1:port` of the service. */
  origin: string;
  routes: FuzzRoute[];
  /** Bearer tokens to pick from (valid ones: the point is to get past authentication). */
  tokens: string[];
  /** Path parameter values that exist, so that fuzzed bodies reach the code behind a 404. */
  knownParams?: Record<string, string[]>;
  /** A valid body per route (`METHOD path`), mutated to reach deeper validation. */
  seedBodies?: Record<string, unknown>;
  requests: number;
  seed?: number;
  concurrency?: number;
}

export interface FuzzFailure {
  method: string;
  path: string;
  contentType: string | undefined;
  body: string;
  status: number;
  answer: string;
}

export interface HttpFuzzResult {
  seed: number;
  statuses: Record<number, number>;
  /** Requests answered 5xx (or not answered at all: status 0). */
  failures: FuzzFailure[];
}

const NASTY_STRINGS = ['', ' ', '\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '\udc00\ud800', '😀', 'ü', '../..', '%', '\\', '"', "'; DROP TABLE x; --", '\u202e', '\uffff', '\n\r\t', '${x}', '{{x}}', '__proto__', 'constructor', '-1', 'NaN', 'null', 'true'];
const PATH_VALUES = [
  '%00',
  'a%00b',
  '%ff',
  '%ED%A0%80', // a lone surrogate, UTF-8 encoded (not valid UTF-8)
  '%C0%80', // overlong NUL
  '%2e%2e',
  '..',
  '%2F',
  '%20',
  '%25',
  '%',
  '%zz',
  'a'.repeat(64),
  'a'.repeat(5000),
  encodeURIComponent('ünïcödé-😀'),
  encodeURIComponent('\u202e\uffff'),
  '-',
  '_',
  '0',
  '-1',
  '1e309',
  'null',
  '__proto__',
  'constructor',
];
const CONTENT_TYPES = [
  'application/json',
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'application/merge-patch+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/json; charset=utf-16',
  'application/JSON',
  '*/*',
  '',
  undefined,
];

/**
 * Sends `requests` generated requests to the routes, with valid tokens: fuzzed path parameters
 * and query strings, random JSON values and shapes, deep nesting, long strings, NUL and lone
 * surrogates, wrong types, random bytes, random content types. Reports every 5xx.
 */
export async function fuzzHttp(options: HttpFuzzOptions): Promise<HttpFuzzResult> {
  const seed = options.seed ?? Number(process.env['FUZZ_SEED'] ?? 20_251_129);
  const random = seededRandom(seed);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)];
  const chance = (p: number) => random() < p;

  const randomString = (): string => {
    if (chance(0.3)) return pick(NASTY_STRINGS);
    if (chance(0.01)) return 'x'.repeat(1 + int(50_000));
    const length = int(24);
    let text = '';
    for (let i = 0; i < length; i++) text += String.fromCharCode(chance(0.8) ? 0x20 + int(0x5f) : int(0x10000));
    return text;
  };
  const randomValue = (depth: number): unknown => {
    const kind = depth > 4 ? int(5) : int(8);
    switch (kind) {
      case 0:
        return null;
      case 1:
        return chance(0.5);
      case 2:
        return pick([0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, Number.MIN_VALUE, int(1000)]);
      case 3:
      case 4:
        return randomString();
      case 5:
      case 6: {
        const object: Record<string, unknown> = {};
        for (let i = int(6); i > 0; i--) object[randomString().slice(0, 40)] = randomValue(depth + 1);
        return object;
      }
      default:
        return Array.from({ length: int(5) }, () => randomValue(depth + 1));
    }
  };
  /** A valid body with one field replaced, removed, or retyped: gets past the first checks. */
  const mutate = (body: unknown): unknown => {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return randomValue(0);
    const copy: Record<string, unknown> = { ...(body as Record<string, unknown>) };
    const keys = Object.keys(copy);
    const key = keys.length > 0 && chance(0.8) ? pick(keys) : randomString().slice(0, 20);
    if (chance(0.2)) delete copy[key];
    else copy[key] = chance(0.5) ? mutate(copy[key]) : randomValue(1);
    return copy;
  };
  const randomBody = (route: FuzzRoute): string | Buffer | undefined => {
    const seedBody = options.seedBodies?.[`${route.method} ${route.path}`];
    const roll = int(40);
    if (roll === 0) return undefined;
    if (roll === 1) return `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    if (roll === 2) return `${'{"a":'.repeat(65)}1${'}'.repeat(65)}`;
    if (roll === 3) return Buffer.from(Array.from({ length: int(256) }, () => int(256)));
    if (roll === 4) return JSON.stringify(randomValue(0)).slice(0, 1 + int(40));
    if (roll === 5) return '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}';
    if (roll === 6) return JSON.stringify({ s: 'x'.repeat(900_000) });
    if (seedBody !== undefined && roll < 28) return JSON.stringify(mutate(seedBody));
    return JSON.stringify(randomValue(0));
  };
  const randomPath = (route: FuzzRoute): string => {
    const path = route.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
      const known = options.knownParams?.[name];
      if (known && chance(0.5)) return encodeURIComponent(pick(known));
      return chance(0.7) ? pick(PATH_VALUES) : encodeURIComponent(randomString().replace(/[\ud800-\udfff]/g, '')).slice(0, 300) || '%00';
    });
    if (!chance(0.2)) return path;
    return `${path}?${pick(['q', 'name', 'limit', 'cursor', 'tenant', 'since'])}=${pick(['%00', '%ED%A0%80', '-1', 'a'.repeat(3000), '%ff', '1&limit=x', encodeURIComponent('😀')])}`;
  };

  // A fresh connection per request: a server closing one after an early answer (413, 415) cannot fail the next.
  const agent = new Agent({ keepAlive: false, maxSockets: options.concurrency ?? 6 });
  const statuses: Record<number, number> = {};
  const failures: FuzzFailure[] = [];
  const cases = Array.from({ length: options.requests }, () => {
    const route = pick(options.routes);
    const body = randomBody(route);
    return {
      method: route.method,
      path: randomPath(route),
      body,
      contentType: body === undefined ? (chance(0.1) ? 'application/json' : undefined) : pick(CONTENT_TYPES),
      token: pick(options.tokens),
    };
  });
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const c = cases[next++];
      const { status, answer } = await send(agent, options.origin, c);
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status === 0 || status >= 500) {
        const shown = c.body === undefined ? '' : c.body.toString().slice(0, 200);
        failures.push({ method: c.method, path: c.path.slice(0, 200), contentType: c.contentType, body: shown, status, answer: answer.slice(0, 300) });
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 6 }, worker));
  agent.destroy();
  return { seed, statuses, failures };
}

function send(agent: Agent, origin: string, c: { method: string; path: string; body: string | Buffer | undefined; contentType: string | undefined; token: string }): Promise<{ status: number; answer: string }> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { authorization: `Bearer ${c.token}` };
    if (c.contentType !== undefined) headers['content-type'] = c.contentType;
    // Node frames a GET or DELETE body only when told its length.
    if (c.body !== undefined) headers['content-length'] = String(Buffer.byteLength(c.body));
    const req = request(`${origin}${c.path}`, { method: c.method, agent, headers, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, answer: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (error) => resolve({ status: 0, answer: error.message }));
    });
    req.on('error', (error) => resolve({ status: 0, answer: error.message }));
    req.on('timeout', () => req.destroy(new Error('no answer within 30 s')));
    req.end(c.body);
  });
}
