import { InvalidSubjectTokenError } from '../errors.js';

export const SUBJECT_PREFIX = 'kaa.v1';
/** Matches exactly one token in a subscription pattern. */
export const ANY_TOKEN = '*';
/** Matches one or more trailing tokens in a subscription pattern. */
export const REST_TOKENS = '>';

// NATS splits on `.`, treats `*` and `>` as wildcards and forbids whitespace; control
// characters are refused too so a name can never smuggle framing into a subject.
// eslint-disable-next-line no-control-regex
const TOKEN = /^[^\s.*>\u0000-\u001f\u007f]+$/u;

/** True when `name` can be used as one 3/ISM subject token (e.g. a service instance name). */
export function isValidToken(name: string): boolean {
  return typeof name === 'string' && TOKEN.test(name);
}

export function assertToken(role: string, token: string): string {
  if (!isValidToken(token)) {
    throw new InvalidSubjectTokenError(role, token);
  }
  return token;
}

/** A concrete token or {@link ANY_TOKEN}. */
export type TokenPattern = string;

export function assertTokenPattern(role: string, token: TokenPattern): string {
  return token === ANY_TOKEN ? token : assertToken(role, token);
}
