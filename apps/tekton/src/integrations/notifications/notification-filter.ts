import { RE2JS } from 're2js';
import type { PlatformEvent, PlatformEventType } from '../../events/platform-event.js';
import type { Violation } from '@kaa/server';

export const PLATFORM_EVENT_TYPES: readonly PlatformEventType[] = [
  'application.upserted',
  'application.deleted',
  'app-version.upserted',
  'app-version.deleted',
  'app-config.changed',
  'app-version-config.changed',
  'tenant-config.changed',
  'endpoint-config.updated',
  'endpoint-config.applied',
  'endpoint.lifecycle',
  'runtime.watch.changed',
];

/** Empty lists match anything; include: any must match (if given); exclude: none may match. */
export interface NotificationFilter {
  eventTypes: PlatformEventType[];
  applications: string[];
  serviceInstances: string[];
  include: string[];
  exclude: string[];
}

/**
 * Limits that keep a tenant's regexes from stalling the event path. Patterns are RE2 syntax and
 * run on re2js (linear time, no backtracking): backreferences and lookarounds are rejected.
 */
export const MAX_PATTERN_LENGTH = 256;
export const MAX_PATTERNS = 20;
/** Filters see at most this much of a summary. */
export const MAX_SUMMARY_LENGTH = 1024;

/** Checks the regexes of a filter; each bad one is a violation naming the pattern. */
export function filterViolations(filter: NotificationFilter, pointer = '/filter'): Violation[] {
  const violations: Violation[] = [];
  for (const key of ['include', 'exclude'] as const) {
    const patterns = filter[key];
    if (patterns.length > MAX_PATTERNS) violations.push({ pointer: `${pointer}/${key}`, message: `at most ${MAX_PATTERNS} patterns` });
    patterns.forEach((pattern, i) => {
      if (pattern.length > MAX_PATTERN_LENGTH) {
        violations.push({ pointer: `${pointer}/${key}/${i}`, message: `pattern longer than ${MAX_PATTERN_LENGTH} characters` });
        return;
      }
      try {
        RE2JS.compile(pattern);
      } catch (error) {
        violations.push({ pointer: `${pointer}/${key}/${i}`, message: `invalid RE2 regular expression ${JSON.stringify(pattern)}: ${(error as Error).message}` });
      }
    });
  }
  return violations;
}

/** Compiled patterns; null for one RE2 cannot compile (stored before patterns were RE2). */
const compiled = new Map<string, RE2JS | null>();

function regex(pattern: string): RE2JS | null {
  let re = compiled.get(pattern);
  if (re === undefined) {
    try {
      re = RE2JS.compile(pattern);
    } catch {
      re = null;
    }
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(pattern, re);
  }
  return re;
}

/** Whether a pattern finds a match in the text, in time linear in the text; a pattern RE2 rejects never matches. */
const finds = (pattern: string, text: string) => regex(pattern)?.test(text) ?? false;

/** The application an event concerns: its own field, else the app part of its app version name. */
export function applicationOf(event: Pick<PlatformEvent, 'application' | 'appVersion'>): string | undefined {
  if (event.application) return event.application;
  if (!event.appVersion) return undefined;
  const cut = event.appVersion.lastIndexOf('-');
  return cut > 0 ? event.appVersion.slice(0, cut) : undefined;
}

export function matches(filter: NotificationFilter, event: PlatformEvent): boolean {
  if (filter.eventTypes.length > 0 && !filter.eventTypes.includes(event.type)) return false;
  if (filter.applications.length > 0) {
    const app = applicationOf(event);
    if (!app || !filter.applications.includes(app)) return false;
  }
  if (filter.serviceInstances.length > 0 && (!event.serviceInstance || !filter.serviceInstances.includes(event.serviceInstance))) return false;
  const summary = event.summary.slice(0, MAX_SUMMARY_LENGTH);
  if (filter.include.length > 0 && !filter.include.some((p) => finds(p, summary))) return false;
  return !filter.exclude.some((p) => finds(p, summary));
}
