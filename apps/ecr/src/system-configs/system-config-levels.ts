import type { SystemConfigLevel } from '@kaa/protocols';
import { badRequest } from '@kaa/server';

/** A level of the hierarchy as the REST paths name it: `/system/{segment}/{:param}/configs`. */
export interface LevelRoute {
  level: SystemConfigLevel;
  segment: string;
  param: string;
}

export const LEVEL_ROUTES: Record<SystemConfigLevel, LevelRoute> = {
  TENANT: { level: 'TENANT', segment: 'tenants', param: 'tenantId' },
  APPLICATION: { level: 'APPLICATION', segment: 'applications', param: 'appName' },
  APP_VERSION: { level: 'APP_VERSION', segment: 'app-versions', param: 'appVersionName' },
  ENDPOINT: { level: 'ENDPOINT', segment: 'endpoints', param: 'endpointId' },
};

/** One level of one tenant: where a system configuration lives. */
export interface LevelSlot {
  tenantId: string;
  level: SystemConfigLevel;
  levelId: string;
}

/**
 * `treeTraversalStrategy` of `…/configs/current`. Absent: the nearest level holding a config of
 * that name, from the level asked for up to the tenant (endpoint → app version → application →
 * tenant). `SKIP`: the level asked for only (Kaa's name; the clients send it).
 */
export const TRAVERSAL_STRATEGIES = ['SKIP'] as const;
export type TraversalStrategy = (typeof TRAVERSAL_STRATEGIES)[number] | 'INHERIT';

export function requireStrategy(value: string | undefined): TraversalStrategy {
  if (value === undefined || value === '') return 'INHERIT';
  const upper = value.toUpperCase();
  if ((TRAVERSAL_STRATEGIES as readonly string[]).includes(upper)) return upper as TraversalStrategy;
  throw badRequest(`unknown treeTraversalStrategy ${JSON.stringify(value)}: leave it out to inherit from the levels above, or SKIP for this level only`);
}

/** Application names (Tekton's rule): lower-case letters, digits, `-` and `_`. */
const APP_NAME = /^[a-z0-9_-]{1,128}$/;

export function requireAppName(appName: string): string {
  if (!APP_NAME.test(appName)) throw badRequest(`invalid application name ${JSON.stringify(appName)}`);
  return appName;
}
