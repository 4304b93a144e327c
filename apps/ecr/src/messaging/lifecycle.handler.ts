import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import {
  ANY_TOKEN,
  elce,
  endpointUnregisteredEventCodec,
  isExpired,
  ProtocolDecodeError,
  tenantUnregisteredEventCodec,
  tle,
  type Codec,
} from '@kaa/protocols';
import { NatsClient, type HandlerOutcome, type InboundMessage } from '@kaa/nats';
import { LOGGER, MetricsService, runWithCorrelation, type Logger } from '@kaa/observability';
import { isUnstorableMessage } from '@kaa/server';
import { PurgeService } from '../lifecycle/purge.service.js';

const ELCE_METRIC = 'elce.unregistered';
const TLE_METRIC = 'tle.unregistered';

/** 9/ELCE endpoint `unregistered` and 21/TLE tenant `unregistered`, from any originator. */
@Injectable()
export class LifecycleHandler implements OnApplicationBootstrap {
  constructor(
    private readonly nats: NatsClient,
    private readonly purge: PurgeService,
    private readonly metrics: MetricsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap() {
    this.nats.subscribe(elce.patterns.lifecycle(ANY_TOKEN, 'unregistered'), (msg) => this.onEndpointUnregistered(msg), {
      queue: true,
      metricSubject: ELCE_METRIC,
    });
    this.nats.subscribe(tle.patterns.lifecycle(ANY_TOKEN, 'unregistered'), (msg) => this.onTenantUnregistered(msg), {
      queue: true,
      metricSubject: TLE_METRIC,
    });
  }

  onEndpointUnregistered(msg: InboundMessage): Promise<HandlerOutcome> | HandlerOutcome {
    const event = this.decode(endpointUnregisteredEventCodec, msg, ELCE_METRIC);
    if (!event) return 'decode_error';
    return runWithCorrelation(event.correlationId, async () => {
      if (isExpired(event)) return 'expired';
      if (isUnstorableMessage(event, 'EndpointUnregistered', msg.subject, this.metrics, this.logger)) return 'rejected';
      if (!(await this.purge.endpointUnregistered(event.endpointId, event.appVersionName))) return 'ignored';
      this.logger.info({ endpointId: event.endpointId, appVersionName: event.appVersionName }, 'endpoint unregistered; configs and history deleted');
      return 'ok';
    });
  }

  onTenantUnregistered(msg: InboundMessage): Promise<HandlerOutcome> | HandlerOutcome {
    const event = this.decode(tenantUnregisteredEventCodec, msg, TLE_METRIC);
    if (!event) return 'decode_error';
    return runWithCorrelation(event.correlationId, async () => {
      if (isExpired(event)) return 'expired';
      if (isUnstorableMessage(event, 'TenantUnregistered', msg.subject, this.metrics, this.logger)) return 'rejected';
      if (!(await this.purge.tenantUnregistered(event.tenantId))) return 'ignored';
      this.logger.info({ tenantId: event.tenantId }, 'tenant unregistered; its data purged');
      return 'ok';
    });
  }

  private decode<T>(codec: Codec<T, unknown>, msg: InboundMessage, metric: string): T | undefined {
    try {
      return codec.decode(msg.data);
    } catch (error) {
      if (!(error instanceof ProtocolDecodeError)) throw error;
      this.metrics.decodeFailures.inc({ subject: metric });
      this.logger.warn({ err: error.message, subject: msg.subject }, 'undecodable lifecycle event');
      return undefined;
    }
  }
}
