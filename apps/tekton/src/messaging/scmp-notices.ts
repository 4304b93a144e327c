import { Injectable } from '@nestjs/common';
import { NatsClient, NatsHeaders } from '@kaa/nats';
import {
  broadcastConfigurationUpdateEventCodec,
  scmp,
  serviceSpecificConfigurationUpdateEventCodec,
  type ScmpAction,
} from '@kaa/protocols';
import type { OutgoingMessage } from '@kaa/persistence';

/** What a notice tells consumers to re-read; only the shapes 17/SCMP allows. */
export type NoticeScope =
  | { tenantId: string }
  | { tenantId: string; appName: string }
  | { tenantId: string; appName: string; appVersionName: string };

const fields = (scope: NoticeScope) => ({
  tenantID: scope.tenantId,
  appName: 'appName' in scope ? scope.appName : null,
  appVerName: 'appVersionName' in scope ? scope.appVersionName : null,
});

/** Builds 17/SCMP notices as outbox messages (written in the change's transaction). */
@Injectable()
export class ScmpNotices {
  constructor(private readonly nats: NatsClient) {}

  /** Applications and app versions changed: every consumer of every instance hears it. */
  broadcast(action: ScmpAction, scope: NoticeScope, correlationId: string): OutgoingMessage {
    const payload = broadcastConfigurationUpdateEventCodec.encode({
      correlationId,
      timestamp: Date.now(),
      originatorReplicaId: this.nats.replicaId,
      ...fields(scope),
    } as Parameters<typeof broadcastConfigurationUpdateEventCodec.encode>[0]);
    return { subject: scmp.broadcast(this.nats.instanceName, action), payload, headers: this.headers(correlationId) };
  }

  /** A configuration of one service instance changed: only that instance hears it. */
  targeted(targetInstance: string, action: ScmpAction, scope: NoticeScope, correlationId: string): OutgoingMessage {
    const payload = serviceSpecificConfigurationUpdateEventCodec.encode({
      correlationId,
      timestamp: Date.now(),
      ...fields(scope),
    } as Parameters<typeof serviceSpecificConfigurationUpdateEventCodec.encode>[0]);
    return { subject: scmp.targeted(targetInstance, action), payload, headers: this.headers(correlationId) };
  }

  private headers(correlationId: string) {
    // The instance lets tekton's own integrations skip its notices without a lookup.
    return { [NatsHeaders.correlationId]: correlationId, [NatsHeaders.originatorReplicaId]: this.nats.replicaId, [NatsHeaders.originatorInstance]: this.nats.instanceName };
  }
}
