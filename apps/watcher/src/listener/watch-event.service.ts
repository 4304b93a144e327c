import type { X509Certificate } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { TenantRegistry } from '@kaa/auth';
import { NatsClient } from '@kaa/nats';
import { LOGGER, type Logger } from '@kaa/observability';
import { DomainError } from '@kaa/server';
import { WatchEventPublisher } from '../messaging/watch-event.publisher.js';
import type { ListenerOutcome } from '../messaging/watcher-metrics.js';
import { RuntimesService } from '../runtimes/runtimes.service.js';
import { COMPONENT_PATTERN } from '../watchers/dto/watcher.dto.js';
import { matchesGvk } from '../watchers/gvk-match.js';
import { WatchersService } from '../watchers/watchers.service.js';
import { commonNameOf, sanMatches } from './client-certificate.js';
import { eventIdOf, type ParsedWatchEvent } from './watch-event-body.js';

export class ListenerRefusal extends Error {
  constructor(
    readonly status: number,
    readonly reason: ListenerOutcome,
    message: string,
  ) {
    super(message);
  }
}

export interface VerifiedSender {
  runtimeId: string;
  tenantId: string;
}

/** What the listener does after TLS: who is it, does anyone want this, and store it durably. */
@Injectable()
export class WatchEventService {
  constructor(
    private readonly runtimes: RuntimesService,
    private readonly watchers: WatchersService,
    private readonly publisher: WatchEventPublisher,
    private readonly nats: NatsClient,
    private readonly tenants: TenantRegistry,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Runtime id = CN; the runtime's tenant must be one this watcher serves, the runtime active, the
   * serial issued to it and not revoked, its domain among the SANs.
   */
  async verifySender(cert: X509Certificate): Promise<VerifiedSender> {
    const runtimeId = commonNameOf(cert);
    if (!runtimeId) throw new ListenerRefusal(403, 'unknown_runtime', 'the client certificate has no subject Common Name');
    const { runtime, certificate } = await this.runtimes.senderRecords(runtimeId, cert.serialNumber);
    if (!runtime) throw new ListenerRefusal(403, 'unknown_runtime', `runtime ${runtimeId} is not registered`);
    if (!this.tenants.get(runtime.tenantId)) {
      throw new ListenerRefusal(403, 'unknown_runtime', `runtime ${runtimeId} belongs to tenant ${runtime.tenantId}, which this watcher does not serve`);
    }
    if (runtime.status !== 'active') throw new ListenerRefusal(403, 'revoked', `runtime ${runtimeId} is revoked`);
    if (!sanMatches(cert, runtime.domain)) {
      throw new ListenerRefusal(403, 'san_mismatch', `the certificate does not carry the domain registered for runtime ${runtimeId}`);
    }
    if (!certificate) throw new ListenerRefusal(403, 'unknown_certificate', `the certificate was not issued to runtime ${runtimeId}`);
    if (certificate.revokedAt) throw new ListenerRefusal(403, 'revoked', `the certificate of runtime ${runtimeId} is revoked`);
    return { runtimeId, tenantId: runtime.tenantId };
  }

  async accept(sender: VerifiedSender, component: string, event: ParsedWatchEvent, correlationId: string): Promise<{ eventId: string; duplicate: boolean }> {
    const watchers = COMPONENT_PATTERN.test(component) ? await this.watchers.forComponent(sender.tenantId, component) : [];
    if (watchers.length === 0) throw new ListenerRefusal(404, 'no_watcher', `no watcher for component ${component}`);
    const gvk = { group: event.group, version: event.version, kind: event.kind };
    if (!watchers.some((w) => matchesGvk({ group: w.resourceGroup, version: w.resourceVersion, resource: w.resource }, gvk))) {
      throw new ListenerRefusal(422, 'gvk_mismatch', `no watcher of component ${component} watches ${event.group || 'core'}/${event.version} ${event.kind}`);
    }
    const eventId = eventIdOf(sender.runtimeId, component, event);
    try {
      const { duplicate } = await this.publisher.publish({
        correlationId,
        timestamp: Date.now(),
        originatorReplicaId: this.nats.replicaId,
        runtimeId: sender.runtimeId,
        component,
        watchedNamespace: event.namespace,
        watchedName: event.name,
        group: event.group,
        version: event.version,
        kind: event.kind,
        eventId,
      });
      this.logger.debug({ runtimeId: sender.runtimeId, component, eventId, duplicate }, 'watch event accepted');
      return { eventId, duplicate };
    } catch (error) {
      if (error instanceof DomainError && error.code === 'UNAVAILABLE') throw new ListenerRefusal(503, 'unavailable', error.message);
      throw error;
    }
  }
}
