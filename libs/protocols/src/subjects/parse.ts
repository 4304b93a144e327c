import { InvalidSubjectError } from '../errors.js';
import { SUBJECT_KINDS } from './builders.js';
import { SUBJECT_PREFIX, isValidToken } from './tokens.js';

export interface ParsedServiceSubject {
  readonly kind: 'service';
  readonly instance: string;
  readonly protocol: string;
  readonly messageType: string;
  readonly extraTokens: readonly string[];
}

export interface ParsedReplicaSubject {
  readonly kind: 'replica';
  readonly replicaId: string;
  readonly protocol: string;
  readonly messageType: string;
  readonly extraTokens: readonly string[];
}

export interface ParsedEventSubject {
  readonly kind: 'event';
  readonly originator: string;
  readonly targetEntity: string;
  readonly eventGroup: string;
  readonly eventType: string;
  readonly extraTokens: readonly string[];
}

export type ParsedSubject = ParsedServiceSubject | ParsedReplicaSubject | ParsedEventSubject;

const PREFIX_TOKENS = SUBJECT_PREFIX.split('.');

/**
 * Splits a concrete 3/ISM subject (as received on a message) into its named tokens.
 * Throws {@link InvalidSubjectError} for anything else, wildcard patterns included.
 */
export function parseSubject(subject: string): ParsedSubject {
  if (typeof subject !== 'string') {
    throw new InvalidSubjectError(String(subject), 'not a string');
  }
  const tokens = subject.split('.');
  const invalid = tokens.findIndex((token) => !isValidToken(token));
  if (invalid !== -1) {
    throw new InvalidSubjectError(subject, `token ${invalid} ${JSON.stringify(tokens[invalid])} is not a valid token`);
  }
  if (tokens[0] !== PREFIX_TOKENS[0] || tokens[1] !== PREFIX_TOKENS[1]) {
    throw new InvalidSubjectError(subject, `does not start with ${SUBJECT_PREFIX}`);
  }
  const [, , kind, ...rest] = tokens;
  switch (kind) {
    case SUBJECT_KINDS.service:
    case SUBJECT_KINDS.replica: {
      const [target, protocol, messageType, ...extraTokens] = rest;
      if (target === undefined || protocol === undefined || messageType === undefined) {
        throw new InvalidSubjectError(subject, `a ${kind} subject needs {target}.{protocol}.{messageType}`);
      }
      return kind === SUBJECT_KINDS.service
        ? { kind: 'service', instance: target, protocol, messageType, extraTokens }
        : { kind: 'replica', replicaId: target, protocol, messageType, extraTokens };
    }
    case SUBJECT_KINDS.events: {
      const [originator, targetEntity, eventGroup, eventType, ...extraTokens] = rest;
      if (originator === undefined || targetEntity === undefined || eventGroup === undefined || eventType === undefined) {
        throw new InvalidSubjectError(subject, 'an event subject needs {originator}.{targetEntity}.{eventGroup}.{eventType}');
      }
      return { kind: 'event', originator, targetEntity, eventGroup, eventType, extraTokens };
    }
    default:
      throw new InvalidSubjectError(subject, `unknown kind ${JSON.stringify(kind)}`);
  }
}
