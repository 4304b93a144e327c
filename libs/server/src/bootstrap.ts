import { ValidationPipe, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import { VerifiedTokenCache } from '@kaa/auth';
import { fastifyRequestIdOptions, instrumentHttp, LOGGER, MetricsService, PinoNestLogger, type Logger } from '@kaa/observability';
import { HttpErrorFilter } from './http-exception.filter.js';
import { acceptMergePatch } from './merge-patch.js';

export const API_PREFIX = 'api/v1';

export interface HttpAppOptions {
  title: string;
  description: string;
  version?: string;
  bodyLimitBytes: number;
  /** Requests per tenant per window (RATE_LIMIT_PER_TENANT, RATE_LIMIT_WINDOW_SECONDS); 0 or absent: no limit. */
  rateLimit?: { perTenant: number; windowSeconds: number };
}

/** Probes and scrapes are never limited: an orchestrator must always see the service's state. */
const UNLIMITED_PATHS = new Set(['/health', '/metrics']);

/**
 * Creates (but does not start) a service on Fastify: REST under /api/v1 (health and metrics at
 * the root), OpenAPI at /api/docs, pino logs, metrics per route, one error filter, security
 * headers and a rate limit per tenant.
 */
export async function createHttpApp(module: Type | ReturnType<typeof Object>, options: HttpAppOptions): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ ...fastifyRequestIdOptions, bodyLimit: options.bodyLimitBytes, logger: false });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, { bufferLogs: true, abortOnError: false });
  const logger = app.get<Logger>(LOGGER);
  app.useLogger(new PinoNestLogger(logger));
  instrumentHttp(app.getHttpAdapter().getInstance(), app.get(MetricsService), logger);
  // Plugins before any route exists: both attach their hooks to routes as they are added.
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        // The OpenAPI UI at /api/docs loads its own scripts and styles and sets inline styles.
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        // The services are often reached over plain HTTP behind a TLS-terminating proxy or on
        // localhost; upgrading the UI's requests to https would break /api/docs there.
        upgradeInsecureRequests: null,
      },
    },
  });
  if (options.rateLimit && options.rateLimit.perTenant > 0) await limitPerTenant(app, options.rateLimit);
  acceptMergePatch(app, options.bodyLimitBytes);
  app.setGlobalPrefix(API_PREFIX, { exclude: ['health', 'metrics'] });
  app.useGlobalFilters(new HttpErrorFilter(logger));
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.enableShutdownHooks();
  setupOpenApi(app, options);
  return app;
}

function setupOpenApi(app: INestApplication, options: HttpAppOptions) {
  const config = new DocumentBuilder()
    .setTitle(options.title)
    .setDescription(options.description)
    .setVersion(options.version ?? '1')
    .addBearerAuth()
    .addSecurityRequirements('bearer')
    .build();
  SwaggerModule.setup('api/docs', app, () => SwaggerModule.createDocument(app, config), { jsonDocumentUrl: 'api/docs/json' });
}

/**
 * The limit runs in Fastify's onRequest hook, before the Nest guard has verified the token, so
 * the tenant is not known yet. Decoding the token's `iss` unverified would let anyone drain
 * another tenant's budget with junk tokens naming its issuer. Instead a request is counted
 * against its tenant only when its bearer token is already in the verified-token cache (a map
 * lookup: the guard put it there after a full verification); every other request (no token, a
 * junk token, or a token's first call before it is verified and cached) counts against the
 * client's IP. A tenant's traffic therefore never uses an IP's budget once its token is known,
 * and forged tokens only ever use the sender's own.
 */
async function limitPerTenant(app: NestFastifyApplication, limit: { perTenant: number; windowSeconds: number }) {
  let verified: VerifiedTokenCache | undefined;
  try {
    verified = app.get(VerifiedTokenCache, { strict: false });
  } catch {
    verified = undefined; // an app without AuthModule: every request is counted per IP
  }
  await app.register(rateLimit, {
    global: true,
    max: limit.perTenant,
    timeWindow: limit.windowSeconds * 1000,
    allowList: (request) => UNLIMITED_PATHS.has(request.url.split('?')[0] ?? ''),
    keyGenerator: (request: FastifyRequest) => {
      const header = request.headers.authorization;
      const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
      const user = token ? verified?.get(token) : undefined;
      return user ? `tenant:${user.tenantId}` : `ip:${request.ip}`;
    },
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      error: 'Too Many Requests',
      message: `rate limit exceeded: ${context.max} requests per ${limit.windowSeconds} s; retry after ${Math.ceil(context.ttl / 1000)} s`,
    }),
  });
}
