import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { cdtp, configRequestCodec, configResponseCodec, isExpired, ProtocolDecodeError, type ConfigRequest, type ConfigResponseInput } from '@kaa/protocols';
import { NatsClient, type HandlerOutcome, type InboundMessage } from '@kaa/nats';
import { LOGGER, MetricsService, runWithCorrelation, type Logger } from '@kaa/observability';
import { statusOf, unavailableDependency, unavailableMessage } from '@kaa/server';
import { CdtpService } from './cdtp.service.js';

const METRIC_SUBJECT = 'cdtp.request';

/**
 * 6/CDTP ConfigRequest on `cdtp.request(instance)`, shared by the replicas (queue group = the
 * instance). The reply goes to the NATS message's reply subject, the request's `replyTo`.
 */
@Injectable()
export class CdtpRequestHandler implements OnApplicationBootstrap {
  constructor(
    private readonly nats: NatsClient,
    private readonly cdtpService: CdtpService,
    private readonly metrics: MetricsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap() {
    this.nats.subscribe(cdtp.request(this.nats.instanceName), (msg) => this.handle(msg), { queue: true, metricSubject: METRIC_SUBJECT });
  }

  async handle(msg: InboundMessage): Promise<HandlerOutcome> {
    let request: ConfigRequest;
    try {
      request = configRequestCodec.decode(msg.data);
    } catch (error) {
      if (!(error instanceof ProtocolDecodeError)) throw error;
      this.metrics.decodeFailures.inc({ subject: METRIC_SUBJECT });
      this.logger.warn({ err: error.message, reply: msg.reply }, 'undecodable ConfigRequest');
      if (msg.reply) {
        this.reply(msg, { correlationId: '', timestamp: Date.now(), appVersionName: '', endpointId: '', statusCode: statusOf('BAD_REQUEST'), reasonPhrase: `Malformed ConfigRequest: ${error.message}` });
      }
      return 'decode_error';
    }
    return runWithCorrelation(request.correlationId, async () => {
      if (isExpired(request)) {
        this.logger.info({ endpointId: request.endpointId }, 'expired ConfigRequest dropped');
        return 'expired';
      }
      if (!msg.reply) {
        this.logger.warn({ endpointId: request.endpointId }, 'ConfigRequest without a reply subject; nothing to answer');
        return 'ignored';
      }
      let response: ConfigResponseInput;
      try {
        response = await this.cdtpService.answer(request);
      } catch (error) {
        response = { correlationId: request.correlationId, timestamp: Date.now(), appVersionName: request.appVersionName, endpointId: request.endpointId, ...this.failure(error) };
      }
      this.reply(msg, response);
      return response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'rejected' : 'ok';
    });
  }

  /** An outage is 503 (the delivery service retries), anything else 500. */
  private failure(error: unknown): { statusCode: number; reasonPhrase: string } {
    const dependency = unavailableDependency(error);
    if (dependency) {
      this.metrics.dependencyUnavailable.inc({ dependency, channel: 'nats' });
      this.logger.warn({ err: (error as Error).message, dependency }, `ConfigRequest: ${dependency} unavailable; answered 503`);
      return { statusCode: statusOf('UNAVAILABLE'), reasonPhrase: unavailableMessage(dependency) };
    }
    this.logger.error({ err: (error as Error).message }, 'ConfigRequest failed');
    return { statusCode: 500, reasonPhrase: 'Internal error' };
  }

  private reply(msg: InboundMessage, response: ConfigResponseInput) {
    msg.respond(configResponseCodec.encode(response));
    this.metrics.natsMessage('cdtp.response', 'out', 'ok');
  }
}
