import { badRequest } from '@kaa/server';
import { hasNul } from '../messaging/wire-strings.js';

/** `{appName}-{nameSuffix}`: the app name may itself hold `-`, the suffix may not. */
const APP_VERSION_NAME = /^([a-z0-9_-]+)-([a-z0-9]+)$/;
/** 7/CMP configuration names. */
const CONFIG_NAME = /^[a-zA-Z0-9_-]{1,128}$/;

export const DEFAULT_CONFIG_NAME = 'default';

export interface AppVersionRef {
  appVersionName: string;
  appName: string;
  nameSuffix: string;
}

export function parseAppVersionName(appVersionName: string): AppVersionRef | undefined {
  const match = APP_VERSION_NAME.exec(appVersionName);
  if (!match) return undefined;
  return { appVersionName, appName: match[1], nameSuffix: match[2] };
}

/** For REST paths: 400 when the name cannot be an app version name. */
export function requireAppVersionName(appVersionName: string): AppVersionRef {
  const ref = parseAppVersionName(appVersionName);
  if (!ref) throw badRequest(`invalid app version name ${JSON.stringify(appVersionName)}: expected {appName}-{nameSuffix}`);
  return ref;
}

export function isConfigName(name: string): boolean {
  return CONFIG_NAME.test(name);
}

/** `?name=`: absent means `default`. */
export function requireConfigName(name: string | undefined): string {
  const value = name === undefined || name === '' ? DEFAULT_CONFIG_NAME : name;
  if (!isConfigName(value)) throw badRequest(`invalid configuration name ${JSON.stringify(value)}: letters, digits, "_" and "-" only`);
  return value;
}

/** For REST paths and bodies: 400 when empty, too long, or holding NUL (Postgres text cannot store it). */
export function requireEndpointId(endpointId: string): string {
  if (endpointId.length === 0 || endpointId.length > 256 || hasNul(endpointId)) throw badRequest('invalid endpoint id');
  return endpointId;
}
