import { randomBytes } from 'node:crypto';

export const APP_NAME_PATTERN = /^[a-z0-9_-]+$/;
export const VERSION_SUFFIX_PATTERN = /^[a-z0-9]+$/;
export const MAX_NAME_LENGTH = 100;

/** The uniqueness key: names that differ only by `-` versus `_` collide. */
export const nameKey = (name: string) => name.replace(/_/g, '-');

export const versionName = (appName: string, suffix: string) => `${appName}-${suffix}`;

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** 20 lower-case alphanumeric characters, like Kaa's generated names (`c8u2bklah5mkbalggie0`). */
export function generateAppName(): string {
  const bytes = randomBytes(20);
  // 252 is the largest multiple of 36 below 256: rejecting above it keeps the draw uniform.
  let name = '';
  let i = 0;
  let pool = bytes;
  while (name.length < 20) {
    if (i >= pool.length) {
      pool = randomBytes(20);
      i = 0;
    }
    const byte = pool[i++];
    if (byte < 252) name += ALPHABET[byte % 36];
  }
  return name;
}
