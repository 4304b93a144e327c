import type { Logger, MetricsService } from '@kaa/observability';
import { describeUnstorable, findUnstorableText, type UnstorableText } from './storable-text.js';

export const rejectionReason = (found: UnstorableText) => (found.problem === 'a NUL character' ? 'nul' : 'unpaired_surrogate');

/**
 * Whether a decoded NATS message holds a string Postgres cannot store (Avro strings may carry
 * NUL). Such a message is dropped before any query, with a warning and a count, instead of
 * failing inside Postgres; the caller returns `'rejected'`.
 */
export function isUnstorableMessage(message: unknown, what: string, subject: string, metrics: MetricsService, logger: Logger): boolean {
  const found = findUnstorableText(message);
  if (!found) return false;
  metrics.inputRejected.inc({ channel: 'nats', reason: rejectionReason(found) });
  logger.warn({ subject, pointer: found.pointer }, `${describeUnstorable(found, what)}; message dropped`);
  return true;
}
