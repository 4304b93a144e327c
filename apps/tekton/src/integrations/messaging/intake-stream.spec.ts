import { intakeDurableName } from './intake-stream.js';
import { PlatformEventsHandler, subjectMatches } from './platform-events.handler.js';

describe('intake subjects and names', () => {
  it('tells which source a subject belongs to', () => {
    const kindOf = (subject: string) => PlatformEventsHandler.sources().find(([, pattern]) => subjectMatches(pattern, subject))?.[0];
    expect(kindOf('kaa.v1.events.tekton-a.service.configuration.upsert')).toBe('scmp-broadcast');
    expect(kindOf('kaa.v1.service.ecr.scmp.configuration.delete')).toBe('scmp-targeted');
    expect(kindOf('kaa.v1.events.ecr.endpoint.config.updated')).toBe('cdtp-updated');
    expect(kindOf('kaa.v1.events.cmx.endpoint.config.applied')).toBe('cdtp-applied');
    expect(kindOf('kaa.v1.events.epr.endpoint.lifecycle.registered')).toBe('elce');
    expect(kindOf('kaa.v1.events.watcher.runtime.watch.changed.ecr')).toBe('watch');
    expect(kindOf('kaa.v1.events.ecr.endpoint.config.updated.extra')).toBeUndefined();
    expect(kindOf('kaa.v1.service.ecr.cdtp.request')).toBeUndefined();
  });

  it('keeps watch events out of the intake stream (the watchers keep them)', () => {
    expect(PlatformEventsHandler.streamSubjects().some((s) => s.includes('watch'))).toBe(false);
    expect(PlatformEventsHandler.streamSubjects()).toHaveLength(5);
  });

  it('derives a valid durable name from any instance name', () => {
    expect(intakeDurableName('tekton')).toBe('tekton-tekton');
    const long = intakeDurableName('x'.repeat(100));
    expect(long).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(long).not.toBe(intakeDurableName(`${'x'.repeat(99)}y`));
  });
});
