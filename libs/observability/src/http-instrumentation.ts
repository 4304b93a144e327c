import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { runWithCorrelation } from './correlation.js';
import type { MetricsService } from './metrics.service.js';

export const CORRELATION_HEADER = 'x-correlation-id';

/** Fastify options that take the caller's correlation id (or make one) as the request id. */
export const fastifyRequestIdOptions = {
  requestIdHeader: CORRELATION_HEADER,
  genReqId: () => randomUUID(),
};

/**
 * Request metrics by route pattern and status (including 401s and 404s that never reach a
 * handler), the correlation id echoed on every response, and one access-log line per request.
 */
export function instrumentHttp(fastify: FastifyInstance, metrics: MetricsService, logger: Logger) {
  fastify.addHook('onRequest', (request, _reply, done) => {
    runWithCorrelation(String(request.id), done);
  });
  fastify.addHook('onSend', async (request, reply) => {
    reply.header(CORRELATION_HEADER, String(request.id));
  });
  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpDuration.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    if (route !== '/metrics' && route !== '/health') {
      logger.info(
        { correlationId: String(request.id), method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 },
        'request',
      );
    }
  });
}
