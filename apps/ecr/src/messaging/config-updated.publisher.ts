import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { randomUUID } from 'node:crypto';
import { cdtp, configUpdatedCodec } from '@kaa/protocols';
import { NatsClient, NatsHeaders } from '@kaa/nats';
import { currentCorrelationId } from '@kaa/observability';
import { OutboxService, type OutgoingMessage } from '@kaa/persistence';

export const JSON_CONTENT_TYPE = 'application/json';

export interface UpdatedConfig {
  appVersionName: string;
  endpointId: string;
  configId: string;
  /** The serialized JSON document. */
  config: string;
}

/** Outbox rows per insert statement in a default fan-out. */
const FAN_OUT_CHUNK = 1000;

/** 6/CDTP ConfigUpdated broadcasts, written to the outbox inside the change's transaction. */
@Injectable()
export class ConfigUpdatedPublisher {
  constructor(
    private readonly outbox: OutboxService,
    private readonly nats: NatsClient,
  ) {}

  async enqueue(manager: EntityManager, updates: UpdatedConfig[]): Promise<void> {
    for (let i = 0; i < updates.length; i += FAN_OUT_CHUNK) {
      await this.outbox.enqueue(manager, updates.slice(i, i + FAN_OUT_CHUNK).map((update) => this.message(update)));
    }
  }

  private message(update: UpdatedConfig): OutgoingMessage {
    const correlationId = currentCorrelationId() ?? randomUUID();
    const payload = configUpdatedCodec.encode({
      correlationId,
      timestamp: Date.now(),
      appVersionName: update.appVersionName,
      endpointId: update.endpointId,
      configId: update.configId,
      contentType: JSON_CONTENT_TYPE,
      content: Buffer.from(update.config, 'utf8'),
      originatorReplicaId: this.nats.replicaId,
    });
    return {
      subject: cdtp.configUpdated(this.nats.instanceName),
      payload,
      headers: { [NatsHeaders.correlationId]: correlationId, [NatsHeaders.originatorReplicaId]: this.nats.replicaId },
    };
  }
}
