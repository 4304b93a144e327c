import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { NatsClient, type HandlerOutcome, type InboundMessage } from '@kaa/nats';
import { LOGGER, MetricsService, runWithCorrelation, type Logger } from '@kaa/observability';
import { ANY_TOKEN, isExpired, ProtocolDecodeError, tenantUnregisteredEventCodec, tle, type TenantUnregisteredEvent } from '@kaa/protocols';
import { isUnstorableMessage } from '@kaa/server';
import { TenantPurgeService } from '../tenants/tenant-purge.service.js';

const METRIC_SUBJECT = 'tle.unregistered';

/** 21/TLE tenant `unregistered`, from any originator: the tenant's watchers and runtimes go. */
@Injectable()
export class TenantLifecycleHandler implements OnApplicationBootstrap {
  constructor(
    private readonly nats: NatsClient,
    private readonly purge: TenantPurgeService,
    private readonly metrics: MetricsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap() {
    this.nats.subscribe(tle.patterns.lifecycle(ANY_TOKEN, 'unregistered'), (msg) => this.onTenantUnregistered(msg), {
      queue: true,
      metricSubject: METRIC_SUBJECT,
    });
  }

  onTenantUnregistered(msg: InboundMessage): Promise<HandlerOutcome> | HandlerOutcome {
    let event: TenantUnregisteredEvent;
    try {
      event = tenantUnregisteredEventCodec.decode(msg.data);
    } catch (error) {
      if (!(error instanceof ProtocolDecodeError)) throw error;
      this.metrics.decodeFailures.inc({ subject: METRIC_SUBJECT });
      this.logger.warn({ err: error.message, subject: msg.subject }, 'undecodable TenantUnregistered event');
      return 'decode_error';
    }
    return runWithCorrelation(event.correlationId, async () => {
      if (isExpired(event)) return 'expired';
      if (isUnstorableMessage(event, 'TenantUnregistered', msg.subject, this.metrics, this.logger)) return 'rejected';
      const purged = await this.purge.purge(event.tenantId);
      this.logger.info({ tenantId: event.tenantId, ...purged }, 'tenant unregistered; its watchers deleted and runtimes revoked');
      return 'ok';
    });
  }
}
