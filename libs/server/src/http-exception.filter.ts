import { ArgumentsHost, Catch, HttpException, Inject, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { LOGGER, type Logger } from '@kaa/observability';
import { DomainError, statusOf } from './domain-error.js';

/** One place where errors become HTTP answers: `{statusCode, error, message, violations?}`. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost) {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof DomainError) {
      const statusCode = statusOf(exception.code);
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
    this.logger.error({ err: (exception as Error)?.message, stack: (exception as Error)?.stack }, 'unhandled error');
    return reply.status(500).send({ statusCode: 500, error: 'Internal Server Error', message: 'internal error' });
  }
}
