import { createHash } from 'node:crypto';
import { DiscardPolicy, JetStreamApiCodes, JetStreamApiError, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';

/**
 * The JetStream stream that keeps the platform events the integrations record, so that what
 * other services publish while tekton is down or reconnecting waits for it. One stream per NATS
 * account: JetStream refuses two streams whose subjects overlap, and every tekton instance
 * needs the same subjects; each instance reads it through a durable consumer of its own.
 */
export const INTAKE_STREAM = 'KAA_INTEGRATIONS_INTAKE';

export interface IntakeStreamSettings {
  replicas: number;
  maxAgeSeconds: number;
  maxBytes: number;
}

const NAME_LIMIT = 64;

/**
 * The durable consumer of one tekton instance: `tekton-<instance>`, or, when that is longer than
 * 64 characters or holds characters a consumer name cannot, a prefix, `_` and 8 hex digits of
 * the SHA-256 of the instance name (every replica derives the same name).
 */
export function intakeDurableName(instance: string): string {
  const plain = `tekton-${instance}`;
  if (plain.length <= NAME_LIMIT && /^[A-Za-z0-9_-]+$/.test(plain)) return plain;
  const hash = createHash('sha256').update(instance).digest('hex').slice(0, 8);
  return `${plain.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, NAME_LIMIT - hash.length - 1)}_${hash}`;
}

/** Creates the stream, or brings an existing one to these subjects and limits. */
export async function ensureIntakeStream(jsm: JetStreamManager, subjects: string[], settings: IntakeStreamSettings): Promise<void> {
  const limits = {
    subjects,
    max_age: settings.maxAgeSeconds * 1_000_000_000,
    max_bytes: settings.maxBytes,
    num_replicas: settings.replicas,
  };
  try {
    await jsm.streams.info(INTAKE_STREAM);
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
    const config: Partial<StreamConfig> & { name: string } = {
      name: INTAKE_STREAM,
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      ...limits,
    };
    try {
      await jsm.streams.add(config);
      return;
    } catch (addError) {
      // Another tekton created it meanwhile: fall through to the update.
      await jsm.streams.info(INTAKE_STREAM).catch(() => {
        throw addError;
      });
    }
  }
  try {
    await jsm.streams.update(INTAKE_STREAM, limits);
  } catch (error) {
    throw new Error(`cannot update the integrations intake stream ${INTAKE_STREAM} (subjects, max age, max bytes, replicas): ${(error as Error).message}`, { cause: error });
  }
}
