import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { scmp } from '@kaa/protocols';
import { testNatsUrl } from '@kaa/testing';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const rfcsDir = resolve(repoRoot, 'libs/protocols/reference/kaa-rfcs');
const reference = (file: string) => avro.Type.forSchema(JSON.parse(readFileSync(resolve(rfcsDir, file), 'utf8')));

/** Decoders built from the Kaa RFC reference schemas, not from ours. */
export const referenceBroadcast = reference('0017-broadcast_configuration_update.avsc');
export const referenceTargeted = reference('0017-service_specific_configuration_update.avsc');

export interface Notice {
  subject: string;
  kind: 'broadcast' | 'targeted';
  action: string;
  /** The decoded record, as plain fields. */
  message: Record<string, unknown>;
}

/**
 * Listens, straight on the real NATS, to the broadcasts of one tekton instance and to the
 * notices targeted at the given consumer instances; keeps only notices for `tenants`.
 */
export class ScmpListener {
  readonly notices: Notice[] = [];

  private constructor(private readonly nc: NatsConnection) {}

  static async start(tektonInstance: string, targets: string[], tenants: string[]): Promise<ScmpListener> {
    const listener = new ScmpListener(await connect({ servers: testNatsUrl() }));
    const keep = (message: Record<string, unknown>) => tenants.includes(String(message.tenantID));
    listener.nc.subscribe(scmp.patterns.broadcast(tektonInstance), {
      callback: (_error, msg) => {
        const message = { ...(referenceBroadcast.fromBuffer(Buffer.from(msg.data)) as Record<string, unknown>) };
        if (keep(message)) listener.notices.push({ subject: msg.subject, kind: 'broadcast', action: msg.subject.split('.').pop() ?? '', message });
      },
    });
    for (const target of targets) {
      listener.nc.subscribe(scmp.patterns.targeted(target), {
        callback: (_error, msg) => {
          const message = { ...(referenceTargeted.fromBuffer(Buffer.from(msg.data)) as Record<string, unknown>) };
          if (keep(message)) listener.notices.push({ subject: msg.subject, kind: 'targeted', action: msg.subject.split('.').pop() ?? '', message });
        },
      });
    }
    await listener.nc.flush();
    return listener;
  }

  /** Short form for assertions: `kind action tenant/app/version` (`-` for null). */
  summary(): string[] {
    return this.notices.map((n) => `${n.kind} ${n.action} ${[n.message.tenantID, n.message.appName, n.message.appVerName].map((v) => v ?? '-').join('/')}${n.kind === 'targeted' ? ` @${n.subject.split('.')[3]}` : ''}`);
  }

  close() {
    return this.nc.close();
  }
}
