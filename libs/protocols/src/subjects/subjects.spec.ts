import { InvalidSubjectError, InvalidSubjectTokenError } from '../errors.js';
import { eventPattern, eventSubject, replicaPattern, replicaSubject, servicePattern, serviceSubject } from './builders.js';
import { cdtp, elce, scmp, systemConfig, tle, watch } from './named.js';
import { parseSubject } from './parse.js';
import { ANY_TOKEN, isValidToken } from './tokens.js';

const BAD_TOKENS = ['', 'a.b', '*', '>', 'a*', 'a>b', 'with space', 'tab\there', 'new\nline', '\u00a0', 'nul\u0000', '.'];

describe('isValidToken', () => {
  it.each(['ecr', 'ecr-eu', 'cmx_1', 'Replica-7F', '{ecr-instance}', 'ünïcode', 'a|b'])('accepts %j', (token) => {
    expect(isValidToken(token)).toBe(true);
  });

  it.each(BAD_TOKENS)('rejects %j', (token) => {
    expect(isValidToken(token)).toBe(false);
  });
});

describe('generic builders', () => {
  it('build the three 3/ISM subject kinds', () => {
    expect(serviceSubject('ecr', 'cdtp', 'request')).toBe('kaa.v1.service.ecr.cdtp.request');
    expect(replicaSubject('r-1', 'cdtp', 'response')).toBe('kaa.v1.replica.r-1.cdtp.response');
    expect(eventSubject('ecr', 'endpoint', 'config', 'updated')).toBe('kaa.v1.events.ecr.endpoint.config.updated');
    expect(eventSubject('w', 'runtime', 'watch', 'changed', 'lm', 'x')).toBe('kaa.v1.events.w.runtime.watch.changed.lm.x');
    expect(serviceSubject('t', 'scmp', 'configuration', 'upsert')).toBe('kaa.v1.service.t.scmp.configuration.upsert');
  });

  describe.each(BAD_TOKENS)('with the bad token %j', (bad) => {
    const cases: [string, () => string][] = [
      ['instance', () => serviceSubject(bad, 'cdtp', 'request')],
      ['protocol', () => serviceSubject('ecr', bad, 'request')],
      ['messageType', () => serviceSubject('ecr', 'cdtp', bad)],
      ['extraTokens[0]', () => serviceSubject('ecr', 'cdtp', 'request', bad)],
      ['replicaId', () => replicaSubject(bad, 'cdtp', 'response')],
      ['originator', () => eventSubject(bad, 'endpoint', 'config', 'updated')],
      ['targetEntity', () => eventSubject('ecr', bad, 'config', 'updated')],
      ['eventGroup', () => eventSubject('ecr', 'endpoint', bad, 'updated')],
      ['eventType', () => eventSubject('ecr', 'endpoint', 'config', bad)],
      ['extraTokens[1]', () => eventSubject('ecr', 'endpoint', 'config', 'updated', 'ok', bad)],
      ['instance', () => cdtp.request(bad)],
      ['replicaId', () => cdtp.response(bad)],
      ['originator', () => cdtp.configUpdated(bad)],
      ['originator', () => cdtp.configApplied(bad)],
      ['originator', () => scmp.broadcast(bad, 'upsert')],
      ['instance', () => scmp.targeted(bad, 'delete')],
      ['originator', () => elce.lifecycle(bad, 'registered')],
      ['originator', () => tle.lifecycle(bad, 'updated')],
      ['originator', () => systemConfig.updated(bad)],
      ['originator', () => watch.changed(bad, 'lm')],
      ['extraTokens[0]', () => watch.changed('w', bad)],
      ['watcherInstance', () => watch.patterns.stream(bad)],
    ];

    it.each(cases)('rejects it as %s', (role, build) => {
      let thrown: unknown;
      try {
        build();
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(InvalidSubjectTokenError);
      expect(thrown).toMatchObject({ code: 'INVALID_SUBJECT_TOKEN', role, token: bad });
    });
  });

  it('never accepts a wildcard from a name, even where patterns would', () => {
    expect(() => cdtp.configApplied(ANY_TOKEN)).toThrow(InvalidSubjectTokenError);
    expect(() => watch.changed('w', '>')).toThrow(InvalidSubjectTokenError);
  });

  it('rejects event types and actions outside the protocol', () => {
    expect(() => scmp.broadcast('t', 'create' as never)).toThrow(InvalidSubjectTokenError);
    expect(() => scmp.targeted('t', 'patch' as never)).toThrow(InvalidSubjectTokenError);
    expect(() => elce.lifecycle('epr', 'updated' as never)).toThrow(InvalidSubjectTokenError);
    expect(() => tle.lifecycle('tm', 'registered' as never)).toThrow(InvalidSubjectTokenError);
  });
});

describe('named builders', () => {
  it.each([
    [cdtp.request('ecr'), 'kaa.v1.service.ecr.cdtp.request'],
    [cdtp.response('cmx-7f'), 'kaa.v1.replica.cmx-7f.cdtp.response'],
    [cdtp.configUpdated('ecr-eu'), 'kaa.v1.events.ecr-eu.endpoint.config.updated'],
    [cdtp.configApplied('cmx'), 'kaa.v1.events.cmx.endpoint.config.applied'],
    [scmp.broadcast('tekton', 'upsert'), 'kaa.v1.events.tekton.service.configuration.upsert'],
    [scmp.broadcast('tekton', 'delete'), 'kaa.v1.events.tekton.service.configuration.delete'],
    [scmp.targeted('ecr', 'upsert'), 'kaa.v1.service.ecr.scmp.configuration.upsert'],
    [scmp.targeted('ecr', 'delete'), 'kaa.v1.service.ecr.scmp.configuration.delete'],
    [elce.lifecycle('epr', 'registered'), 'kaa.v1.events.epr.endpoint.lifecycle.registered'],
    [elce.lifecycle('epr', 'unregistered'), 'kaa.v1.events.epr.endpoint.lifecycle.unregistered'],
    [elce.lifecycle('epr', 'appversion-updated'), 'kaa.v1.events.epr.endpoint.lifecycle.appversion-updated'],
    [tle.lifecycle('tm', 'updated'), 'kaa.v1.events.tm.tenant.lifecycle.updated'],
    [tle.lifecycle('tm', 'unregistered'), 'kaa.v1.events.tm.tenant.lifecycle.unregistered'],
    [systemConfig.updated('sys'), 'kaa.v1.events.sys.system.config.updated'],
    [watch.changed('watcher', 'lifecycle-manager'), 'kaa.v1.events.watcher.runtime.watch.changed.lifecycle-manager'],
  ])('%s', (built, expected) => {
    expect(built).toBe(expected);
  });
});

describe('patterns', () => {
  it.each([
    [cdtp.patterns.configUpdated(), 'kaa.v1.events.*.endpoint.config.updated'],
    [cdtp.patterns.configApplied(), 'kaa.v1.events.*.endpoint.config.applied'],
    [cdtp.patterns.configApplied('cmx'), 'kaa.v1.events.cmx.endpoint.config.applied'],
    [scmp.patterns.broadcast(), 'kaa.v1.events.*.service.configuration.*'],
    [scmp.patterns.broadcast('tekton', 'delete'), 'kaa.v1.events.tekton.service.configuration.delete'],
    [scmp.patterns.targeted('ecr'), 'kaa.v1.service.ecr.scmp.configuration.*'],
    [elce.patterns.lifecycle(), 'kaa.v1.events.*.endpoint.lifecycle.*'],
    [elce.patterns.lifecycle(ANY_TOKEN, 'unregistered'), 'kaa.v1.events.*.endpoint.lifecycle.unregistered'],
    [tle.patterns.lifecycle(), 'kaa.v1.events.*.tenant.lifecycle.*'],
    [tle.patterns.lifecycle('tm', 'unregistered'), 'kaa.v1.events.tm.tenant.lifecycle.unregistered'],
    [systemConfig.patterns.updated(), 'kaa.v1.events.*.system.config.updated'],
    [watch.patterns.changed(), 'kaa.v1.events.*.runtime.watch.changed.*'],
    [watch.patterns.changed('watcher', 'lm'), 'kaa.v1.events.watcher.runtime.watch.changed.lm'],
    [watch.patterns.stream('watcher'), 'kaa.v1.events.watcher.runtime.watch.changed.>'],
  ])('%s', (built, expected) => {
    expect(built).toBe(expected);
  });

  it('subscribes to a list of originators one pattern each', () => {
    expect(['cmx', 'cmx-eu'].map((o) => cdtp.patterns.configApplied(o))).toEqual([
      'kaa.v1.events.cmx.endpoint.config.applied',
      'kaa.v1.events.cmx-eu.endpoint.config.applied',
    ]);
  });

  it('builds generic patterns with * in any position and an optional > tail', () => {
    expect(eventPattern({ originator: '*', targetEntity: 'endpoint', eventGroup: '*', eventType: '*', rest: true })).toBe(
      'kaa.v1.events.*.endpoint.*.*.>',
    );
    expect(servicePattern({ instance: 'ecr', protocol: '*', messageType: '*', extraTokens: ['*'] })).toBe(
      'kaa.v1.service.ecr.*.*.*',
    );
    expect(replicaPattern({ replicaId: 'r1', protocol: 'cdtp', messageType: 'response', rest: true })).toBe(
      'kaa.v1.replica.r1.cdtp.response.>',
    );
  });

  it.each(['>', 'a.b', '', 'a b', 'a*'])('rejects %j as a pattern token', (bad) => {
    expect(() => eventPattern({ originator: bad, targetEntity: 'x', eventGroup: 'y', eventType: 'z' })).toThrow(
      InvalidSubjectTokenError,
    );
    expect(() => cdtp.patterns.configApplied(bad)).toThrow(InvalidSubjectTokenError);
    expect(() => watch.patterns.changed('*', bad)).toThrow(InvalidSubjectTokenError);
  });

  it('rejects a wildcard where a stream needs a concrete watcher', () => {
    expect(() => watch.patterns.stream('*')).toThrow(InvalidSubjectTokenError);
  });
});

describe('parseSubject', () => {
  it('recovers every token of a service subject', () => {
    expect(parseSubject(scmp.targeted('ecr-eu', 'delete'))).toEqual({
      kind: 'service',
      instance: 'ecr-eu',
      protocol: 'scmp',
      messageType: 'configuration',
      extraTokens: ['delete'],
    });
  });

  it('recovers every token of a replica subject', () => {
    expect(parseSubject(cdtp.response('cmx-7f'))).toEqual({
      kind: 'replica',
      replicaId: 'cmx-7f',
      protocol: 'cdtp',
      messageType: 'response',
      extraTokens: [],
    });
  });

  it('recovers the watcher and component of a watch event', () => {
    expect(parseSubject(watch.changed('watcher-2', 'lifecycle-manager'))).toEqual({
      kind: 'event',
      originator: 'watcher-2',
      targetEntity: 'runtime',
      eventGroup: 'watch',
      eventType: 'changed',
      extraTokens: ['lifecycle-manager'],
    });
  });

  it('round-trips every builder', () => {
    const rebuild = (subject: string): string => {
      const p = parseSubject(subject);
      switch (p.kind) {
        case 'service':
          return serviceSubject(p.instance, p.protocol, p.messageType, ...p.extraTokens);
        case 'replica':
          return replicaSubject(p.replicaId, p.protocol, p.messageType, ...p.extraTokens);
        case 'event':
          return eventSubject(p.originator, p.targetEntity, p.eventGroup, p.eventType, ...p.extraTokens);
      }
    };
    const subjects = [
      cdtp.request('ecr'),
      cdtp.response('r'),
      cdtp.configUpdated('ecr'),
      cdtp.configApplied('cmx'),
      scmp.broadcast('t', 'upsert'),
      scmp.targeted('ecr', 'delete'),
      elce.lifecycle('epr', 'appversion-updated'),
      tle.lifecycle('tm', 'unregistered'),
      systemConfig.updated('s'),
      watch.changed('w', 'c'),
    ];
    for (const subject of subjects) expect(rebuild(subject)).toBe(subject);
  });

  it.each([
    ['', 'empty'],
    ['kaa.v1', 'no kind'],
    ['kaa.v2.service.ecr.cdtp.request', 'other version'],
    ['nats.v1.service.ecr.cdtp.request', 'other root'],
    ['kaa.v1.queue.ecr.cdtp.request', 'unknown kind'],
    ['kaa.v1.service.ecr.cdtp', 'service without message type'],
    ['kaa.v1.replica.r1', 'replica without protocol'],
    ['kaa.v1.events.ecr.endpoint.config', 'event without type'],
    ['kaa.v1.events.*.endpoint.config.updated', 'a pattern'],
    ['kaa.v1.events.w.runtime.watch.changed.>', 'a tail pattern'],
    ['kaa.v1.service..cdtp.request', 'an empty token'],
    ['kaa.v1.service.ecr.cdtp.request.', 'a trailing dot'],
    ['kaa.v1.service.e cr.cdtp.request', 'whitespace'],
  ])('rejects %j (%s)', (subject) => {
    let thrown: unknown;
    try {
      parseSubject(subject);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidSubjectError);
    expect(thrown).toMatchObject({ code: 'INVALID_SUBJECT', subject });
  });
});
