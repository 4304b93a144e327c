import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { NatsClient, NatsHeaders, type HandlerOutcome, type InboundMessage } from '@kaa/nats';
import { LOGGER, MetricsService, type Logger } from '@kaa/observability';
import { cdtp, elce, ProtocolError, scmp, watch } from '@kaa/protocols';
import { isUnstorableMessage } from '@kaa/server';
import { EventRecorder } from '../events/event-recorder.service.js';
import { INTEGRATIONS_OPTIONS, type IntegrationsOptions } from '../integrations.options.js';
import { normalise, type SourceKind } from './normalize.js';

/**
 * Subscribes (in the instance's queue group, so each message is recorded by one replica) to the
 * platform's events from any originator, normalises them and records them. Redelivery is
 * harmless: the event id is derived from the message. Messages carrying `Kaa-Produced-By` are
 * stored but never matched. Tekton's own SCMP notices are skipped: its changes are recorded
 * directly by the PlatformEventSink in the change's transaction.
 */
@Injectable()
export class PlatformEventsHandler implements OnApplicationBootstrap {
  constructor(
    private readonly nats: NatsClient,
    private readonly recorder: EventRecorder,
    private readonly metrics: MetricsService,
    @Inject(INTEGRATIONS_OPTIONS) private readonly options: IntegrationsOptions,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  static sources(): [SourceKind, string][] {
    return [
      ['scmp-broadcast', scmp.patterns.broadcast()],
      ['scmp-targeted', scmp.patterns.targeted('*')],
      ['cdtp-updated', cdtp.patterns.configUpdated()],
      ['cdtp-applied', cdtp.patterns.configApplied()],
      ['elce', elce.patterns.lifecycle()],
      ['watch', watch.patterns.changed()],
    ];
  }

  onApplicationBootstrap() {
    for (const [kind, pattern] of PlatformEventsHandler.sources()) {
      this.nats.subscribe(pattern, (msg) => this.handle(kind, pattern, msg), { queue: true, metricSubject: pattern });
    }
  }

  async handle(kind: SourceKind, pattern: string, msg: InboundMessage): Promise<HandlerOutcome> {
    let normalised;
    try {
      normalised = normalise(kind, msg.subject, msg.data);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.metrics.decodeFailures.inc({ subject: pattern });
      this.logger.warn({ subject: msg.subject, err: error.message }, 'integrations: undecodable event ignored');
      return 'decode_error';
    }
    if (isUnstorableMessage(normalised, `${kind} event`, msg.subject, this.metrics, this.logger)) return 'rejected';
    if (kind === 'scmp-broadcast' && normalised.instance === this.options.instanceName) return 'ignored';
    if (kind === 'scmp-targeted' && (this.isOwn(msg) || (await this.recorder.recordedByTekton(normalised.correlationId)))) return 'ignored';
    const producedBy = msg.headers?.get(NatsHeaders.producedBy) || undefined;
    await this.recorder.recordExternal([normalised.event], { producedBy, correlationId: normalised.correlationId });
    return producedBy ? 'ignored' : 'ok';
  }

  /**
   * Sent by this very replica (its notices carry its replica id): known without a query. Notices
   * of other replicas of this instance are told apart by the recorded correlation id.
   */
  private isOwn(msg: InboundMessage): boolean {
    return msg.headers?.get(NatsHeaders.originatorReplicaId) === this.nats.replicaId;
  }
}
