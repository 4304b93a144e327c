import { createHash } from 'node:crypto';
import {
  broadcastConfigurationUpdateEventCodec,
  configAppliedCodec,
  configUpdatedCodec,
  endpointAppVersionUpdatedEventCodec,
  endpointRegisteredEventCodec,
  endpointUnregisteredEventCodec,
  parseSubject,
  scmpScopeLevel,
  serviceSpecificConfigurationUpdateEventCodec,
  watchEventCodec,
  type ScmpScopeFields,
} from '@kaa/protocols';
import type { PlatformEvent, PlatformEventType } from '../../events/platform-event.js';
import { applicationOf } from '../notifications/notification-filter.js';

/** What the integrations listen to; the kind decides the decoder. */
export type SourceKind = 'scmp-broadcast' | 'scmp-targeted' | 'cdtp-updated' | 'cdtp-applied' | 'elce' | 'watch';

export interface Normalised {
  event: PlatformEvent;
  /** SCMP notices carry the correlation id of the change that caused them. */
  correlationId: string;
  /** The subject's originator or target instance. */
  instance: string;
}

/** Stable per message: a redelivered identical message maps to the same id. */
export function messageEventId(subject: string, data: Uint8Array): string {
  return `nats:${createHash('sha256').update(subject).update('\n').update(data).digest('hex')}`;
}

const iso = (ms: number) => new Date(Number(ms)).toISOString();

/** Decodes a message of one of the sources into the one event shape (throws on bad payloads). */
export function normalise(kind: SourceKind, subject: string, data: Uint8Array): Normalised {
  const parsed = parseSubject(subject);
  const instance = parsed.kind === 'event' ? parsed.originator : parsed.kind === 'service' ? parsed.instance : parsed.replicaId;
  const id = messageEventId(subject, data);
  switch (kind) {
    case 'scmp-broadcast': {
      const m = broadcastConfigurationUpdateEventCodec.decode(data);
      const action = parsed.kind === 'event' ? parsed.eventType : 'upsert';
      const type: PlatformEventType = m.appVerName ? (action === 'delete' ? 'app-version.deleted' : 'app-version.upserted') : action === 'delete' ? 'application.deleted' : 'application.upserted';
      return {
        correlationId: m.correlationId,
        instance,
        event: {
          id,
          type,
          tenantId: m.tenantID,
          application: m.appName ?? undefined,
          appVersion: m.appVerName ?? undefined,
          summary: `${scopeText(m)}: ${action === 'delete' ? 'deleted' : 'created or updated'} (announced by ${instance})`,
          occurredAt: iso(m.timestamp),
          data: { protocol: '17/SCMP', action, originator: instance },
        },
      };
    }
    case 'scmp-targeted': {
      const m = serviceSpecificConfigurationUpdateEventCodec.decode(data);
      const level = scmpScopeLevel(m);
      const type: PlatformEventType = level === 'app-version' ? 'app-version-config.changed' : level === 'application' ? 'app-config.changed' : 'tenant-config.changed';
      const action = parsed.extraTokens[0] ?? 'upsert';
      return {
        correlationId: m.correlationId,
        instance,
        event: {
          id,
          type,
          tenantId: m.tenantID,
          application: m.appName ?? undefined,
          appVersion: m.appVerName ?? undefined,
          serviceInstance: instance,
          summary: `Configuration of ${scopeText(m)} for ${instance} ${action === 'delete' ? 'deleted' : 'changed'}`,
          occurredAt: iso(m.timestamp),
          data: { protocol: '17/SCMP', action },
        },
      };
    }
    case 'cdtp-updated': {
      const m = configUpdatedCodec.decode(data);
      return {
        correlationId: m.correlationId,
        instance,
        event: {
          id,
          type: 'endpoint-config.updated',
          tenantId: null,
          application: applicationOf({ appVersion: m.appVersionName }),
          appVersion: m.appVersionName,
          serviceInstance: instance,
          summary: `Endpoint ${m.endpointId} (${m.appVersionName}): configuration ${m.configId} updated by ${instance}`,
          occurredAt: iso(m.timestamp),
          data: { protocol: '6/CDTP', endpointId: m.endpointId, configId: m.configId, contentType: m.contentType },
        },
      };
    }
    case 'cdtp-applied': {
      const m = configAppliedCodec.decode(data);
      const ok = m.statusCode >= 200 && m.statusCode < 300;
      return {
        correlationId: m.correlationId,
        instance,
        event: {
          id,
          type: 'endpoint-config.applied',
          tenantId: null,
          application: applicationOf({ appVersion: m.appVersionName }),
          appVersion: m.appVersionName,
          serviceInstance: instance,
          summary: `Endpoint ${m.endpointId} (${m.appVersionName}): configuration ${m.configId} ${ok ? 'applied' : `rejected (${m.statusCode}${m.reasonPhrase ? ` ${m.reasonPhrase}` : ''})`}`,
          occurredAt: iso(m.timestamp),
          data: { protocol: '6/CDTP', endpointId: m.endpointId, configId: m.configId, statusCode: m.statusCode, reasonPhrase: m.reasonPhrase },
        },
      };
    }
    case 'elce': {
      const lifecycle = parsed.kind === 'event' ? parsed.eventType : 'registered';
      const m =
        lifecycle === 'unregistered'
          ? endpointUnregisteredEventCodec.decode(data)
          : lifecycle === 'appversion-updated'
            ? endpointAppVersionUpdatedEventCodec.decode(data)
            : endpointRegisteredEventCodec.decode(data);
      const previous = 'previousAppVersionName' in m ? m.previousAppVersionName : undefined;
      return {
        correlationId: m.correlationId,
        instance,
        event: {
          id,
          type: 'endpoint.lifecycle',
          tenantId: null,
          application: applicationOf({ appVersion: m.appVersionName }),
          appVersion: m.appVersionName,
          serviceInstance: instance,
          summary: `Endpoint ${m.endpointId} ${lifecycle}${previous ? ` from ${previous}` : ''} (${m.appVersionName})`,
          occurredAt: iso(m.timestamp),
          data: { protocol: '9/ELCE', lifecycle, endpointId: m.endpointId, previousAppVersionName: previous },
        },
      };
    }
    case 'watch': {
      const m = watchEventCodec.decode(data);
      const object = `${m.kind}${m.group ? `.${m.group}` : ''} ${m.watchedNamespace ? `${m.watchedNamespace}/` : ''}${m.watchedName}`;
      return {
        correlationId: m.correlationId,
        instance,
        event: {
          // The watcher's event id survives republishing; the message hash would not.
          id: `watch:${m.eventId}`,
          type: 'runtime.watch.changed',
          tenantId: null,
          serviceInstance: instance,
          summary: `Runtime ${m.runtimeId}: ${object} changed (component ${m.component})`,
          occurredAt: iso(m.timestamp),
          data: {
            runtimeId: m.runtimeId,
            component: m.component,
            group: m.group,
            version: m.version,
            kind: m.kind,
            namespace: m.watchedNamespace,
            name: m.watchedName,
          },
        },
      };
    }
    default: {
      const unreachable: never = kind;
      throw new Error(`unknown source ${String(unreachable)}`);
    }
  }
}

function scopeText(m: ScmpScopeFields): string {
  if (m.appVerName) return `app version ${m.appVerName} of ${m.appName} (tenant ${m.tenantID})`;
  if (m.appName) return `application ${m.appName} (tenant ${m.tenantID})`;
  if (m.tenantID) return `tenant ${m.tenantID}`;
  return 'all tenants';
}
