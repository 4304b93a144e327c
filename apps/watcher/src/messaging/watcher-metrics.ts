import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { MetricsService } from '@kaa/observability';

/** Why the listener refused an event (the `reason` label); `accepted` and `duplicate` are successes. */
export type ListenerOutcome =
  | 'accepted'
  | 'duplicate'
  | 'no_certificate'
  | 'untrusted_certificate'
  | 'unknown_runtime'
  | 'revoked'
  | 'unknown_certificate'
  | 'san_mismatch'
  | 'not_found'
  | 'method_not_allowed'
  | 'too_large'
  | 'malformed'
  | 'no_watcher'
  | 'gvk_mismatch'
  | 'unavailable';

@Injectable()
export class WatcherMetrics {
  readonly events: Counter<'outcome' | 'reason'>;
  readonly xfccUntrusted: Counter;
  readonly publishDuration: Histogram<'result'>;

  constructor(metrics: MetricsService) {
    this.events = new Counter({
      name: 'watcher_events_total',
      help: 'Watch events received by the listener, by outcome (accepted|refused) and reason',
      labelNames: ['outcome', 'reason'] as const,
      registers: [metrics.registry],
    });
    this.xfccUntrusted = new Counter({
      name: 'watcher_xfcc_untrusted_total',
      help: 'Requests carrying X-Forwarded-Client-Cert from an address not in TRUSTED_PROXIES (header ignored)',
      registers: [metrics.registry],
    });
    this.publishDuration = new Histogram({
      name: 'watcher_jetstream_publish_duration_seconds',
      help: 'Time from publishing a watch event to the JetStream acknowledgement',
      labelNames: ['result'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [metrics.registry],
    });
  }

  outcome(reason: ListenerOutcome) {
    this.events.inc({ outcome: reason === 'accepted' || reason === 'duplicate' ? 'accepted' : 'refused', reason });
  }
}
