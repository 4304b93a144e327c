import { setImmediate, setTimeout as sleep } from 'node:timers/promises';
import type { PlatformEvent, PlatformEventType } from '../../events/platform-event.js';
import type { Violation } from '@kaa/server';
import { compileBounded, MAX_FILTER_PROGRAM, PatternRefused, type BoundedRegex } from './bounded-regex.js';

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
 * run on re2js (linear time, no backtracking): backreferences and lookarounds are rejected, and
 * so are patterns whose compiled program is too large (see bounded-regex.ts).
 */
export const MAX_PATTERN_LENGTH = 256;
export const MAX_PATTERNS = 20;
/** Filters see at most this much of a summary. */
export const MAX_SUMMARY_LENGTH = 1024;
/**
 * The RE2 programs of all of a tenant's notifications together (each event of the tenant is
 * matched against all of them): about 100 ms of matching per event at worst.
 */
export const MAX_TENANT_PROGRAM = 2000;
/** In-thread matching ({@link matches}) gives the event loop back once it has run this long. */
const SLICE_MS = 4;

/** Checks the regexes of a filter; each bad one is a violation naming the pattern. */
export function filterViolations(filter: NotificationFilter, pointer = '/filter'): Violation[] {
  const violations: Violation[] = [];
  let program = 0;
  for (const key of ['include', 'exclude'] as const) {
    const patterns = filter[key];
    if (patterns.length > MAX_PATTERNS) violations.push({ pointer: `${pointer}/${key}`, message: `at most ${MAX_PATTERNS} patterns` });
    patterns.forEach((pattern, i) => {
      if (pattern.length > MAX_PATTERN_LENGTH) {
        violations.push({ pointer: `${pointer}/${key}/${i}`, message: `pattern longer than ${MAX_PATTERN_LENGTH} characters` });
        return;
      }
      try {
        program += compileBounded(pattern).programSize;
      } catch (error) {
        if (!(error instanceof PatternRefused)) throw error;
        violations.push({ pointer: `${pointer}/${key}/${i}`, message: error.message });
      }
    });
  }
  if (program > MAX_FILTER_PROGRAM) {
    violations.push({ pointer, message: `the include and exclude patterns compile to ${program} RE2 instructions together, more than ${MAX_FILTER_PROGRAM}` });
  }
  return violations;
}

/** Instructions of a filter's usable patterns (what matching one summary costs, per character). */
export function filterProgram(filter: Pick<NotificationFilter, 'include' | 'exclude'>): number {
  return [...filter.include, ...filter.exclude].reduce((sum, pattern) => sum + (regex(pattern)?.programSize ?? 0), 0);
}

/** Compiled patterns; null for one that cannot be used (stored before the current limits). */
const compiled = new Map<string, BoundedRegex | null>();

function regex(pattern: string): BoundedRegex | null {
  let re = compiled.get(pattern);
  if (re === undefined) {
    try {
      re = pattern.length > MAX_PATTERN_LENGTH ? null : compileBounded(pattern);
    } catch (error) {
      if (!(error instanceof PatternRefused)) throw error;
      re = null;
    }
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(pattern, re);
  }
  return re;
}

/** The application an event concerns: its own field, else the app part of its app version name. */
export function applicationOf(event: Pick<PlatformEvent, 'application' | 'appVersion'>): string | undefined {
  if (event.application) return event.application;
  if (!event.appVersion) return undefined;
  const cut = event.appVersion.lastIndexOf('-');
  return cut > 0 ? event.appVersion.slice(0, cut) : undefined;
}

/** What a filter looks at in an event (all a matching worker is sent). */
export type MatchableEvent = Pick<PlatformEvent, 'type' | 'application' | 'appVersion' | 'serviceInstance' | 'summary'>;

/** The checks that need no regex: event types, applications, service instances. */
export function passesFields(filter: NotificationFilter, event: MatchableEvent): boolean {
  if (filter.eventTypes.length > 0 && !filter.eventTypes.includes(event.type)) return false;
  if (filter.applications.length > 0) {
    const app = applicationOf(event);
    if (!app || !filter.applications.includes(app)) return false;
  }
  return !(filter.serviceInstances.length > 0 && (!event.serviceInstance || !filter.serviceInstances.includes(event.serviceInstance)));
}

/** The part of a summary filters see. */
export function filteredSummary(event: Pick<MatchableEvent, 'summary'>): string {
  return event.summary.slice(0, MAX_SUMMARY_LENGTH);
}

/**
 * Whether the event passes the filter, without giving the event loop back: for a matching worker
 * thread, which shares no event loop with requests. Same answer as {@link matches}.
 */
export function matchesNow(filter: NotificationFilter, event: MatchableEvent): boolean {
  if (!passesFields(filter, event)) return false;
  const summary = filteredSummary(event);
  const finds = (pattern: string) => regex(pattern)?.find(summary) ?? false;
  if (filter.include.length > 0 && !filter.include.some(finds)) return false;
  return !filter.exclude.some(finds);
}

/**
 * Whether the event passes the filter, on the caller's event loop. Each pattern costs at most its
 * (bounded) program size × the summary (≤ 1024 characters); between patterns the event loop is
 * given back once a slice has run {@link SLICE_MS}, so no tenant's filters hold other requests for
 * longer than that. A pattern that cannot be used (stored before the current limits) never matches.
 */
export async function matches(filter: NotificationFilter, event: MatchableEvent, clock = new MatchClock()): Promise<boolean> {
  if (!passesFields(filter, event)) return false;
  const summary = filteredSummary(event);
  const finds = async (pattern: string) => {
    await clock.maybeYield();
    return regex(pattern)?.find(summary) ?? false;
  };
  if (filter.include.length > 0 && !(await someAsync(filter.include, finds))) return false;
  return !(await someAsync(filter.exclude, finds));
}

async function someAsync(items: string[], test: (item: string) => Promise<boolean>): Promise<boolean> {
  for (const item of items) if (await test(item)) return true;
  return false;
}

/**
 * Time since the event loop was last given back; share one across the filters of a batch. With
 * `restRatio` r, each slice of matching is followed by r times its length of rest (the loop is
 * idle for matching), so matching takes at most 1/(1+r) of the event loop however large the
 * backlog is; 0 only yields (setImmediate).
 */
export class MatchClock {
  private since = performance.now();

  constructor(private readonly restRatio = 0) {}

  async maybeYield(): Promise<void> {
    const ran = performance.now() - this.since;
    if (ran < SLICE_MS) return;
    if (this.restRatio > 0) await sleep(ran * this.restRatio);
    else await setImmediate();
    this.since = performance.now();
  }
}
