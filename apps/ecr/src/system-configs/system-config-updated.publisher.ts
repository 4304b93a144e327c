import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { randomUUID } from 'node:crypto';
import { systemConfig, systemConfigUpdatedCodec, type SystemConfigLevel } from '@kaa/protocols';
import { NatsClient, NatsHeaders } from '@kaa/nats';
import { currentCorrelationId } from '@kaa/observability';
import { OutboxService } from '@kaa/persistence';
import { JSON_CONTENT_TYPE } from '../messaging/config-updated.publisher.js';

/** One change of one system configuration; `config` undefined: it was deleted (or renamed away). */
export interface SystemConfigChange {
  tenantId: string;
  level: SystemConfigLevel;
  levelId: string;
  name: string;
  config: string | undefined;
  revision: string;
}

/**
 * 27/SCMP SystemConfigUpdated, written to the outbox inside the change's transaction. A deletion
 * carries empty `content` (no JSON document is empty). The `Kaa-Config-Revision` header numbers
 * the changes of each configuration so that followers can drop a message delivered twice.
 */
@Injectable()
export class SystemConfigUpdatedPublisher {
  constructor(
    private readonly outbox: OutboxService,
    private readonly nats: NatsClient,
  ) {}

  async enqueue(manager: EntityManager, changes: SystemConfigChange[]): Promise<void> {
    await this.outbox.enqueue(
      manager,
      changes.map((change) => {
        const correlationId = currentCorrelationId() ?? randomUUID();
        return {
          subject: systemConfig.updated(this.nats.instanceName),
          payload: systemConfigUpdatedCodec.encode({
            correlationId,
            timestamp: Date.now(),
            tenantId: change.tenantId,
            configName: change.name,
            configLevel: change.level,
            configLevelId: change.levelId,
            contentType: JSON_CONTENT_TYPE,
            content: Buffer.from(change.config ?? '', 'utf8'),
            originatorReplicaId: this.nats.replicaId,
          }),
          headers: {
            [NatsHeaders.correlationId]: correlationId,
            [NatsHeaders.originatorReplicaId]: this.nats.replicaId,
            [NatsHeaders.configRevision]: change.revision,
          },
        };
      }),
    );
  }
}
