import { ArgumentsHost, Catch, HttpException, Inject, Optional, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { LOGGER, MetricsService, type Logger } from '@kaa/observability';
import { RETRY_AFTER_SECONDS, unavailableDependency, unavailableMessage } from './dependency-failure.js';
import { DomainError, statusOf } from './domain-error.js';

/** One place where errors become HTTP answers: `{statusCode, error, message, violations?}`. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    @Optional() private readonly metrics?: MetricsService,
  ) {}

  catch(exception: unknown, host: ArgumentsHost) {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof DomainError) {
      const statusCode = statusOf(exception.code);
      if (statusCode === 503) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      return reply.status(statusCode).send({ statusCode, error: exception.code, message: exception.message, violations: exception.violations });
    }
    if (exception instanceof HttpException) {
      const statusCode = exception.getStatus();
      const body = exception.getResponse();
      const message = typeof body === 'string' ? body : ((body as { message?: unknown }).message ?? exception.message);
      return reply.status(statusCode).send({
        statusCode,
        error: typeof body === 'object' && body && 'error' in body ? (body as { error: string }).error : exception.name,
        message: Array.isArray(message) ? message.join('; ') : message,
      });
    }
    const fastifyError = exception as { statusCode?: number; code?: string; message?: string };
    if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
      return reply.status(fastifyError.statusCode).send({ statusCode: fastifyError.statusCode, error: fastifyError.code ?? 'Bad Request', message: fastifyError.message });
    }
    // An outage is the client's cue to retry, not a bug: 503 naming the dependency.
    const dependency = unavailableDependency(exception);
    if (dependency) {
      this.metrics?.dependencyUnavailable.inc({ dependency, channel: 'http' });
      this.logger.warn({ err: (exception as Error)?.message, dependency }, `${dependency} unavailable; answered 503`);
      return reply
        .status(503)
        .header('retry-after', String(RETRY_AFTER_SECONDS))
        .send({ statusCode: 503, error: 'Service Unavailable', message: unavailableMessage(dependency) });
    }
    this.logger.error({ err: (exception as Error)?.message, stack: (exception as Error)?.stack }, 'unhandled error');
    return reply.status(500).send({ statusCode: 500, error: 'Internal Server Error', message: 'internal error' });
  }
}
