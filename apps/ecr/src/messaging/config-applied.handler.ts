import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { cdtp, configAppliedCodec, isExpired, ProtocolDecodeError, type ConfigApplied } from '@kaa/protocols';
import { NatsClient, type HandlerOutcome, type InboundMessage } from '@kaa/nats';
import { LOGGER, MetricsService, runWithCorrelation, type Logger } from '@kaa/observability';
import { isUnstorableMessage } from '@kaa/server';
import { ConfigsService } from '../configs/configs.service.js';
import { ANY_CONSUMER } from '../config/env.js';
import { HistoryService } from '../history/history.service.js';

export const CDTP_CONSUMERS = Symbol('ecr:cdtp-consumer-instances');
const METRIC_SUBJECT = 'cdtp.configApplied';

/** 6/CDTP ConfigApplied from the configured consumer instances: APPLIED (2xx) or REJECTED. */
@Injectable()
export class ConfigAppliedHandler implements OnApplicationBootstrap {
  constructor(
    private readonly nats: NatsClient,
    private readonly history: HistoryService,
    private readonly configs: ConfigsService,
    private readonly metrics: MetricsService,
    @Inject(CDTP_CONSUMERS) private readonly consumers: readonly string[],
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap() {
    const subjects = this.consumers.includes(ANY_CONSUMER)
      ? [cdtp.patterns.configApplied()]
      : this.consumers.map((consumer) => cdtp.configApplied(consumer));
    for (const subject of subjects) {
      this.nats.subscribe(subject, (msg) => this.handle(msg), { queue: true, metricSubject: METRIC_SUBJECT });
    }
  }

  async handle(msg: InboundMessage): Promise<HandlerOutcome> {
    let event: ConfigApplied;
    try {
      event = configAppliedCodec.decode(msg.data);
    } catch (error) {
      if (!(error instanceof ProtocolDecodeError)) throw error;
      this.metrics.decodeFailures.inc({ subject: METRIC_SUBJECT });
      this.logger.warn({ err: error.message, subject: msg.subject }, 'undecodable ConfigApplied');
      return 'decode_error';
    }
    return runWithCorrelation(event.correlationId, async () => {
      if (isExpired(event)) return 'expired';
      if (isUnstorableMessage(event, 'ConfigApplied', msg.subject, this.metrics, this.logger)) return 'rejected';
      const confirmation = {
        endpointId: event.endpointId,
        appVersionName: event.appVersionName,
        configId: event.configId,
        statusCode: event.statusCode,
        reasonPhrase: event.reasonPhrase,
      };
      if (await this.history.recordConfirmation(confirmation)) return 'ok';
      // Not dispatched by us (yet): record it if the config is one of ours.
      const known = await this.configs.findById(event.endpointId, event.appVersionName, event.configId);
      if (!known) {
        this.logger.debug({ endpointId: event.endpointId, configId: event.configId }, 'ConfigApplied for an unknown config ignored');
        return 'ignored';
      }
      await this.history.recordConfirmation(confirmation, {
        tenantId: known.tenantId,
        endpointId: event.endpointId,
        appVersionName: event.appVersionName,
        configId: known.configId,
        configName: known.name,
        config: known.config,
      });
      return 'ok';
    });
  }
}
