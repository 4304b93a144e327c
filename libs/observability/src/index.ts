export { currentCorrelationId, runWithCorrelation, type CorrelationContext } from './correlation.js';
export { HealthRegistry, type HealthCheck, type HealthReport } from './health.registry.js';
export { CORRELATION_HEADER, fastifyRequestIdOptions, instrumentHttp } from './http-instrumentation.js';
export { PinoNestLogger, createLogger, type LoggerOptions } from './logger.js';
export { MetricsService, type MetricsOptions, type NatsDirection, type NatsOutcome } from './metrics.service.js';
export { LOGGER, ObservabilityModule, type Logger } from './observability.module.js';
export { IS_PUBLIC, Public } from './public.decorator.js';
