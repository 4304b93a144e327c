import { InvalidSubjectTokenError } from '../errors.js';
import { eventPattern, eventSubject, replicaSubject, servicePattern, serviceSubject } from './builders.js';
import { ANY_TOKEN, assertToken, assertTokenPattern, type TokenPattern } from './tokens.js';

function oneOf<const T extends string>(role: string, allowed: readonly T[], value: T): T {
  if (!allowed.includes(value)) {
    throw new InvalidSubjectTokenError(role, value);
  }
  return value;
}

function oneOfOrAny<const T extends string>(role: string, allowed: readonly T[], value: T | typeof ANY_TOKEN): string {
  return value === ANY_TOKEN ? value : oneOf(role, allowed, value);
}

const CDTP = 'cdtp';

/** 6/CDTP endpoint configuration transport; ECR is the provider. */
export const cdtp = {
  /** ConfigRequest, consumer -> ECR (request/reply). */
  request: (ecrInstance: string): string => serviceSubject(ecrInstance, CDTP, 'request'),
  /** Recommended `replyTo` of a ConfigRequest, so the response reaches the requesting replica. */
  response: (replicaId: string): string => replicaSubject(replicaId, CDTP, 'response'),
  /** ConfigUpdated broadcast by ECR. */
  configUpdated: (ecrInstance: string): string => eventSubject(ecrInstance, 'endpoint', 'config', 'updated'),
  /** ConfigApplied broadcast by a consumer such as CMX. */
  configApplied: (consumerInstance: string): string => eventSubject(consumerInstance, 'endpoint', 'config', 'applied'),
  patterns: {
    /** Map a list of ECR instances with `.map(o => cdtp.patterns.configUpdated(o))` to subscribe to several. */
    configUpdated: (ecrInstance: TokenPattern = ANY_TOKEN): string =>
      eventPattern({ originator: ecrInstance, targetEntity: 'endpoint', eventGroup: 'config', eventType: 'updated' }),
    configApplied: (consumerInstance: TokenPattern = ANY_TOKEN): string =>
      eventPattern({ originator: consumerInstance, targetEntity: 'endpoint', eventGroup: 'config', eventType: 'applied' }),
  },
} as const;

export const SCMP_ACTIONS = ['upsert', 'delete'] as const;
export type ScmpAction = (typeof SCMP_ACTIONS)[number];

/** 17/SCMP service configuration change notices; Tekton is the provider. */
export const scmp = {
  /** BroadcastConfigurationUpdateEvent: applications and app versions changed. */
  broadcast: (tektonInstance: string, action: ScmpAction): string =>
    eventSubject(tektonInstance, 'service', 'configuration', oneOf('action', SCMP_ACTIONS, action)),
  /** ServiceSpecificConfigurationUpdateEvent: the configuration of one service instance changed. */
  targeted: (targetInstance: string, action: ScmpAction): string =>
    serviceSubject(targetInstance, 'scmp', 'configuration', oneOf('action', SCMP_ACTIONS, action)),
  patterns: {
    broadcast: (tektonInstance: TokenPattern = ANY_TOKEN, action: ScmpAction | typeof ANY_TOKEN = ANY_TOKEN): string =>
      eventPattern({
        originator: tektonInstance,
        targetEntity: 'service',
        eventGroup: 'configuration',
        eventType: oneOfOrAny('action', SCMP_ACTIONS, action),
      }),
    /** What a consumer instance subscribes to for notices addressed to it. */
    targeted: (targetInstance: string, action: ScmpAction | typeof ANY_TOKEN = ANY_TOKEN): string =>
      servicePattern({
        instance: targetInstance,
        protocol: 'scmp',
        messageType: 'configuration',
        extraTokens: [oneOfOrAny('action', SCMP_ACTIONS, action)],
      }),
  },
} as const;

export const ELCE_EVENT_TYPES = ['registered', 'unregistered', 'appversion-updated'] as const;
export type ElceEventType = (typeof ELCE_EVENT_TYPES)[number];

/** 9/ELCE endpoint lifecycle events. */
export const elce = {
  lifecycle: (originator: string, eventType: ElceEventType): string =>
    eventSubject(originator, 'endpoint', 'lifecycle', oneOf('eventType', ELCE_EVENT_TYPES, eventType)),
  patterns: {
    lifecycle: (originator: TokenPattern = ANY_TOKEN, eventType: ElceEventType | typeof ANY_TOKEN = ANY_TOKEN): string =>
      eventPattern({
        originator,
        targetEntity: 'endpoint',
        eventGroup: 'lifecycle',
        eventType: oneOfOrAny('eventType', ELCE_EVENT_TYPES, eventType),
      }),
  },
} as const;

export const TLE_EVENT_TYPES = ['updated', 'unregistered'] as const;
export type TleEventType = (typeof TLE_EVENT_TYPES)[number];

/** 21/TLE tenant lifecycle events. */
export const tle = {
  lifecycle: (originator: string, eventType: TleEventType): string =>
    eventSubject(originator, 'tenant', 'lifecycle', oneOf('eventType', TLE_EVENT_TYPES, eventType)),
  patterns: {
    lifecycle: (originator: TokenPattern = ANY_TOKEN, eventType: TleEventType | typeof ANY_TOKEN = ANY_TOKEN): string =>
      eventPattern({
        originator,
        targetEntity: 'tenant',
        eventGroup: 'lifecycle',
        eventType: oneOfOrAny('eventType', TLE_EVENT_TYPES, eventType),
      }),
  },
} as const;

/**
 * 0027 SystemConfigUpdated. PROTOCOLS.md names no subject for it; this follows 3/ISM with the
 * schema's namespace (`...event.gen.v1.system.config`), as the CDTP events do.
 */
export const systemConfig = {
  updated: (originator: string): string => eventSubject(originator, 'system', 'config', 'updated'),
  patterns: {
    updated: (originator: TokenPattern = ANY_TOKEN): string =>
      eventPattern({ originator, targetEntity: 'system', eventGroup: 'config', eventType: 'updated' }),
  },
} as const;

/** Watch events the watcher republishes from remote runtimes (our own schema). */
export const watch = {
  changed: (watcherInstance: string, component: string): string =>
    eventSubject(watcherInstance, 'runtime', 'watch', 'changed', component),
  patterns: {
    changed: (watcherInstance: TokenPattern = ANY_TOKEN, component: TokenPattern = ANY_TOKEN): string =>
      eventPattern({
        originator: watcherInstance,
        targetEntity: 'runtime',
        eventGroup: 'watch',
        eventType: 'changed',
        extraTokens: [assertTokenPattern('component', component)],
      }),
    /** JetStream stream subject: every component of one watcher instance. */
    stream: (watcherInstance: string): string =>
      eventPattern({
        originator: assertToken('watcherInstance', watcherInstance),
        targetEntity: 'runtime',
        eventGroup: 'watch',
        eventType: 'changed',
        rest: true,
      }),
  },
} as const;
