import type { PlatformEvent } from '../../events/platform-event.js';
import { applicationOf, filterViolations, matches, type NotificationFilter } from './notification-filter.js';

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
  it('matches anything when empty', () => {
    expect(matches(emptyFilter(), event)).toBe(true);
  });

  it('filters on types, applications and instances', () => {
    expect(matches({ ...emptyFilter(), eventTypes: ['app-version.deleted'] }, event)).toBe(false);
    expect(matches({ ...emptyFilter(), eventTypes: ['app-config.changed'], applications: ['thermostat'] }, event)).toBe(true);
    expect(matches({ ...emptyFilter(), applications: ['other'] }, event)).toBe(false);
    expect(matches({ ...emptyFilter(), serviceInstances: ['cmx'] }, event)).toBe(false);
  });

  it('applies include then exclude regexes to the summary', () => {
    expect(matches({ ...emptyFilter(), include: ['^Nope', 'thermo'] }, event)).toBe(true);
    expect(matches({ ...emptyFilter(), include: ['^Nope'] }, event)).toBe(false);
    expect(matches({ ...emptyFilter(), include: ['thermo'], exclude: ['PUT\\)$'] }, event)).toBe(false);
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

  it('matches a catastrophic-backtracking pattern in linear time', () => {
    const summary = 'a'.repeat(100);
    expect(matches({ ...emptyFilter(), include: ['(a|aa)+b'] }, { ...event, summary })).toBe(false);
    expect(matches({ ...emptyFilter(), include: ['(a|aa)+b'] }, { ...event, summary: `${summary}b` })).toBe(true);
  });
});
