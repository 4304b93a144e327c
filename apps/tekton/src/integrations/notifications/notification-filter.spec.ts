import type { PlatformEvent } from '../../events/platform-event.js';
import { applicationOf, filterViolations, MatchClock, matches, type NotificationFilter } from './notification-filter.js';

const emptyFilter = (): NotificationFilter => ({ eventTypes: [], applications: [], serviceInstances: [], include: [], exclude: [] });

const event: PlatformEvent = {
  id: 'e1',
  type: 'app-config.changed',
  tenantId: 't1',
  application: 'thermostat',
  serviceInstance: 'ecr',
  summary: 'Config of thermostat for ecr changed (PUT)',
  occurredAt: new Date(0).toISOString(),
};

describe('notification filter', () => {
  it('matches anything when empty', async () => {
    expect(await matches(emptyFilter(), event)).toBe(true);
  });

  it('filters on types, applications and instances', async () => {
    expect(await matches({ ...emptyFilter(), eventTypes: ['app-version.deleted'] }, event)).toBe(false);
    expect(await matches({ ...emptyFilter(), eventTypes: ['app-config.changed'], applications: ['thermostat'] }, event)).toBe(true);
    expect(await matches({ ...emptyFilter(), applications: ['other'] }, event)).toBe(false);
    expect(await matches({ ...emptyFilter(), serviceInstances: ['cmx'] }, event)).toBe(false);
  });

  it('applies include then exclude regexes to the summary', async () => {
    expect(await matches({ ...emptyFilter(), include: ['^Nope', 'thermo'] }, event)).toBe(true);
    expect(await matches({ ...emptyFilter(), include: ['^Nope'] }, event)).toBe(false);
    expect(await matches({ ...emptyFilter(), include: ['thermo'], exclude: ['PUT\\)$'] }, event)).toBe(false);
  });

  it('takes the application from an app version name', () => {
    expect(applicationOf({ appVersion: 'smart-meter-v2' })).toBe('smart-meter');
    expect(applicationOf({ appVersion: 'v2' })).toBeUndefined();
  });

  it('reports bad and oversized patterns', () => {
    const violations = filterViolations({ ...emptyFilter(), include: ['ok', '(unclosed'], exclude: ['x'.repeat(300)] });
    expect(violations.map((v) => v.pointer)).toEqual(['/filter/include/1', '/filter/exclude/0']);
    expect(violations[0].message).toContain('(unclosed');
  });

  it('rejects what RE2 cannot run in linear time (backreferences, lookarounds)', () => {
    const violations = filterViolations({ ...emptyFilter(), include: ['(a)\\1'], exclude: ['(?=PUT)'] });
    expect(violations.map((v) => v.pointer)).toEqual(['/filter/include/0', '/filter/exclude/0']);
  });

  it('matches a catastrophic-backtracking pattern in linear time', async () => {
    const summary = 'a'.repeat(100);
    expect(await matches({ ...emptyFilter(), include: ['(a|aa)+b'] }, { ...event, summary })).toBe(false);
    expect(await matches({ ...emptyFilter(), include: ['(a|aa)+b'] }, { ...event, summary: `${summary}b` })).toBe(true);
  });

  it('refuses a short pattern that compiles into a large program, and filters too large together', () => {
    // 255 characters, 36 alternatives of ~1000 instructions: 0.5 s per 1 KiB summary on the old limits.
    const alternatives = Array.from({ length: 36 }, (_, i) => `.{${999 - i}}`).join('|');
    const huge = filterViolations({ ...emptyFilter(), include: [`(?:${alternatives})`] });
    expect(huge.map((v) => v.pointer)).toEqual(['/filter/include/0']);
    expect(huge[0].message).toContain('RE2 instructions');

    const sixty = '.{60}'; // 62 instructions: accepted alone, too much seven times over
    expect(filterViolations({ ...emptyFilter(), include: [sixty] })).toEqual([]);
    const together = filterViolations({ ...emptyFilter(), include: Array(4).fill(sixty), exclude: Array(3).fill(sixty) });
    expect(together.map((v) => v.pointer)).toEqual(['/filter']);
  });

  it('never matches a stored pattern the current limits refuse', async () => {
    expect(await matches({ ...emptyFilter(), include: ['x{1000}'] }, { ...event, summary: 'x'.repeat(1000) })).toBe(false);
    expect(await matches({ ...emptyFilter(), exclude: ['x{1000}'] }, { ...event, summary: 'x'.repeat(1000) })).toBe(true);
  });

  it('gives the event loop back while matching the largest filters allowed', async () => {
    // 98 instructions each, 392 together: about the costliest filter the limits let through.
    const filter = { ...emptyFilter(), include: [95, 94, 93, 92].map((n) => `(?:[a-f]|[d-k]|[i-p]|[n-u]|[s-z]){${n}}$`) };
    expect(filterViolations(filter)).toEqual([]);
    const summary = 'the quick brown fox jumps over the lazy dog '.repeat(24);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    // One clock for the batch, as the delivery path shares one: the slices add up across events
    // however fast one event's match is on this machine.
    const clock = new MatchClock();
    try {
      for (let n = 0; n < 20; n++) expect(await matches(filter, { ...event, summary }, clock)).toBe(false);
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(0);
  });
});
