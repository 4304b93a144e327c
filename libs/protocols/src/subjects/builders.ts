import { REST_TOKENS, SUBJECT_PREFIX, assertToken, assertTokenPattern, type TokenPattern } from './tokens.js';

const SERVICE = 'service';
const REPLICA = 'replica';
const EVENTS = 'events';

export const SUBJECT_KINDS = { service: SERVICE, replica: REPLICA, events: EVENTS } as const;

function join(tokens: readonly string[]): string {
  return `${SUBJECT_PREFIX}.${tokens.join('.')}`;
}

function extras(role: string, tokens: readonly string[]): string[] {
  return tokens.map((token, i) => assertToken(`${role}[${i}]`, token));
}

/** `kaa.v1.service.{instance}.{protocol}.{messageType}[.extra...]`: any replica of an instance. */
export function serviceSubject(instance: string, protocol: string, messageType: string, ...extraTokens: string[]): string {
  return join([
    SERVICE,
    assertToken('instance', instance),
    assertToken('protocol', protocol),
    assertToken('messageType', messageType),
    ...extras('extraTokens', extraTokens),
  ]);
}

/** `kaa.v1.replica.{replicaId}.{protocol}.{messageType}[.extra...]`: exactly one replica. */
export function replicaSubject(replicaId: string, protocol: string, messageType: string, ...extraTokens: string[]): string {
  return join([
    REPLICA,
    assertToken('replicaId', replicaId),
    assertToken('protocol', protocol),
    assertToken('messageType', messageType),
    ...extras('extraTokens', extraTokens),
  ]);
}

/** `kaa.v1.events.{originator}.{targetEntity}.{eventGroup}.{eventType}[.extra...]`: a broadcast event. */
export function eventSubject(
  originator: string,
  targetEntity: string,
  eventGroup: string,
  eventType: string,
  ...extraTokens: string[]
): string {
  return join([
    EVENTS,
    assertToken('originator', originator),
    assertToken('targetEntity', targetEntity),
    assertToken('eventGroup', eventGroup),
    assertToken('eventType', eventType),
    ...extras('extraTokens', extraTokens),
  ]);
}

/** Trailing part shared by every pattern spec. Every token may be {@link ANY_TOKEN}. */
export interface PatternTail {
  readonly extraTokens?: readonly TokenPattern[];
  /** Append `>` so the pattern also matches any further tokens. */
  readonly rest?: boolean;
}

export interface ServicePatternSpec extends PatternTail {
  readonly instance: TokenPattern;
  readonly protocol: TokenPattern;
  readonly messageType: TokenPattern;
}

export interface ReplicaPatternSpec extends PatternTail {
  readonly replicaId: TokenPattern;
  readonly protocol: TokenPattern;
  readonly messageType: TokenPattern;
}

export interface EventPatternSpec extends PatternTail {
  readonly originator: TokenPattern;
  readonly targetEntity: TokenPattern;
  readonly eventGroup: TokenPattern;
  readonly eventType: TokenPattern;
}

function tail(spec: PatternTail): string[] {
  const tokens = (spec.extraTokens ?? []).map((token, i) => assertTokenPattern(`extraTokens[${i}]`, token));
  return spec.rest ? [...tokens, REST_TOKENS] : tokens;
}

/** Subscription pattern for service subjects; builders above never accept wildcards. */
export function servicePattern(spec: ServicePatternSpec): string {
  return join([
    SERVICE,
    assertTokenPattern('instance', spec.instance),
    assertTokenPattern('protocol', spec.protocol),
    assertTokenPattern('messageType', spec.messageType),
    ...tail(spec),
  ]);
}

export function replicaPattern(spec: ReplicaPatternSpec): string {
  return join([
    REPLICA,
    assertTokenPattern('replicaId', spec.replicaId),
    assertTokenPattern('protocol', spec.protocol),
    assertTokenPattern('messageType', spec.messageType),
    ...tail(spec),
  ]);
}

export function eventPattern(spec: EventPatternSpec): string {
  return join([
    EVENTS,
    assertTokenPattern('originator', spec.originator),
    assertTokenPattern('targetEntity', spec.targetEntity),
    assertTokenPattern('eventGroup', spec.eventGroup),
    assertTokenPattern('eventType', spec.eventType),
    ...tail(spec),
  ]);
}


