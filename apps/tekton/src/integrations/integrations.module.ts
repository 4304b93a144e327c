import { DynamicModule, Global, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { DeliveryWorker } from './delivery/delivery-worker.service.js';
import { EventMatcher } from './delivery/event-matcher.js';
import { EgressPolicy, type AllowedNetworks } from './egress/egress-policy.js';
import { EventRecorder } from './events/event-recorder.service.js';
import { runProducedBy } from './events/produced-by.context.js';
import { INTEGRATIONS_OPTIONS, PRODUCED_BY_HTTP_HEADER, type IntegrationsOptions } from './integrations.options.js';
import { IntegrationQuota } from './integration-quota.js';
import { PlatformEventsHandler } from './messaging/platform-events.handler.js';
import { NotificationsController } from './notifications/notifications.controller.js';
import { NotificationsService } from './notifications/notifications.service.js';
import { ProvidersController } from './providers/providers.controller.js';
import { ProvidersService } from './providers/providers.service.js';

/** Settings from tekton's environment (see src/config/env.ts). */
export interface IntegrationsEnv {
  SECRETS_ENCRYPTION_KEY: string;
  INTEGRATIONS_RETRY_BASE_MS: number;
  INTEGRATIONS_RETRY_MAX_MS: number;
  INTEGRATIONS_MAX_ATTEMPTS: number;
  INTEGRATIONS_POLL_MS: number;
  INTEGRATIONS_RETENTION_DAYS: number;
  INTEGRATIONS_ALLOWED_NETWORKS: AllowedNetworks;
  PLATFORM_TENANT: string;
  SERVICE_INSTANCE_NAME: string;
  REPLICA_ID: string;
  INTEGRATIONS_MAX_PROVIDERS_PER_TENANT: number;
  INTEGRATIONS_MAX_NOTIFICATIONS_PER_TENANT: number;
  INTEGRATIONS_INTAKE_REPLICAS: number;
  INTEGRATIONS_INTAKE_MAX_AGE_SECONDS: number;
  INTEGRATIONS_INTAKE_MAX_BYTES: number;
  INTEGRATIONS_MATCH_WORKERS: number;
}

export { EventRecorder };

/**
 * Declarative notifications of platform events (providers, notifications, durable deliveries).
 * Global: AppModule binds PlatformEventSink to its EventRecorder.
 */
@Global()
@Module({})
export class IntegrationsModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  static forRoot(env: IntegrationsEnv): DynamicModule {
    const options: IntegrationsOptions = {
      secretsEncryptionKey: env.SECRETS_ENCRYPTION_KEY,
      retryBaseMs: env.INTEGRATIONS_RETRY_BASE_MS,
      retryMaxMs: env.INTEGRATIONS_RETRY_MAX_MS,
      maxAttempts: env.INTEGRATIONS_MAX_ATTEMPTS,
      pollMs: env.INTEGRATIONS_POLL_MS,
      retentionDays: env.INTEGRATIONS_RETENTION_DAYS,
      platformTenant: env.PLATFORM_TENANT,
      allowedNetworks: env.INTEGRATIONS_ALLOWED_NETWORKS,
      instanceName: env.SERVICE_INSTANCE_NAME,
      replicaId: env.REPLICA_ID,
      maxProvidersPerTenant: env.INTEGRATIONS_MAX_PROVIDERS_PER_TENANT,
      maxNotificationsPerTenant: env.INTEGRATIONS_MAX_NOTIFICATIONS_PER_TENANT,
      matchWorkers: env.INTEGRATIONS_MATCH_WORKERS,
      intake: { replicas: env.INTEGRATIONS_INTAKE_REPLICAS, maxAgeSeconds: env.INTEGRATIONS_INTAKE_MAX_AGE_SECONDS, maxBytes: env.INTEGRATIONS_INTAKE_MAX_BYTES },
    };
    return {
      module: IntegrationsModule,
      controllers: [ProvidersController, NotificationsController],
      providers: [
        { provide: INTEGRATIONS_OPTIONS, useValue: options },
        { provide: EgressPolicy, useValue: new EgressPolicy(options.allowedNetworks) },
        ProvidersService,
        NotificationsService,
        IntegrationQuota,
        EventRecorder,
        EventMatcher,
        DeliveryWorker,
        PlatformEventsHandler,
      ],
      exports: [EventRecorder, DeliveryWorker],
    };
  }

  /** Requests marked as produced by the notifier record events that never match a notification. */
  onModuleInit() {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    const header = PRODUCED_BY_HTTP_HEADER.toLowerCase();
    fastify?.addHook('onRequest', (request, _reply, done) => {
      const value = request.headers[header];
      if (typeof value === 'string' && value) runProducedBy(value, done);
      else done();
    });
  }
}
