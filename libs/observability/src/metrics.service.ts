import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface MetricsOptions {
  service: string;
  instance: string;
  replicaId: string;
}

export type NatsDirection = 'in' | 'out';
export type NatsOutcome = 'ok' | 'error' | 'decode_error' | 'expired' | 'rejected' | 'ignored';

/** One registry per process; the platform-wide metrics are defined here once. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly natsMessages = new Counter({
    name: 'nats_messages_total',
    help: 'NATS messages by subject pattern, direction and outcome',
    labelNames: ['subject', 'direction', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly natsHandlerDuration = new Histogram({
    name: 'nats_handler_duration_seconds',
    help: 'Time spent handling one inbound NATS message, by subject pattern',
    labelNames: ['subject'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
    registers: [this.registry],
  });

  readonly decodeFailures = new Counter({
    name: 'protocol_decode_failures_total',
    help: 'Messages that could not be decoded, by subject pattern',
    labelNames: ['subject'] as const,
    registers: [this.registry],
  });

  readonly outboxBacklog = new Gauge({
    name: 'outbox_backlog',
    help: 'Committed events not yet accepted by NATS',
    registers: [this.registry],
  });

  readonly dependencyUnavailable = new Counter({
    name: 'dependency_unavailable_total',
    help: 'Requests answered 503 because a dependency (database, nats) was unreachable, by dependency and channel',
    labelNames: ['dependency', 'channel'] as const,
    registers: [this.registry],
  });

  readonly inputRejected = new Counter({
    name: 'input_rejected_total',
    help: 'Inputs refused before reaching Postgres (NUL, unpaired surrogates, too deep), by channel and reason',
    labelNames: ['channel', 'reason'] as const,
    registers: [this.registry],
  });

  constructor(options: MetricsOptions) {
    this.registry.setDefaultLabels({ service: options.service, instance: options.instance, replica: options.replicaId });
    collectDefaultMetrics({ register: this.registry });
  }

  natsMessage(subjectPattern: string, direction: NatsDirection, outcome: NatsOutcome) {
    this.natsMessages.inc({ subject: subjectPattern, direction, outcome });
  }
}
