import { AppConfigSource, emptyTree, type ConfigChange, type ServiceConfigTree } from '@kaa/tekton-client';
import { DomainError } from '@kaa/server';
import { parseAppVersionName, type AppVersionRef } from '../configs/config-keys.js';
import { EndpointSchemaService } from './endpoint-schema.service.js';

class FakeSource extends AppConfigSource {
  tree: ServiceConfigTree = emptyTree();
  private listeners: ((change: ConfigChange) => void)[] = [];
  start = () => Promise.resolve();
  stop = () => Promise.resolve();
  current = () => this.tree;
  onChange(listener: (change: ConfigChange) => void) {
    this.listeners.push(listener);
    return () => undefined;
  }
  change(tree: ServiceConfigTree) {
    this.tree = tree;
    for (const listener of this.listeners) listener({ scope: 'all', reason: 'notice' });
  }
}

const ref = parseAppVersionName('kettle-v1') as AppVersionRef;

function errorOf(fn: () => void): DomainError | undefined {
  try {
    fn();
  } catch (error) {
    return error as DomainError;
  }
  return undefined;
}

describe('EndpointSchemaService', () => {
  it('prefers the version schema, given as a JSON string, over the app schema', () => {
    const source = new FakeSource();
    source.tree = {
      tenants: {},
      applications: {
        kettle: {
          'endpoint-configuration': { schema: { type: 'object', required: ['a'] } },
          versions: { 'kettle-v1': { endpointConfigurationSchema: JSON.stringify({ type: 'object', required: ['b'] }) } },
        },
      },
    };
    const sut = new EndpointSchemaService(source);
    expect(sut.effective(ref).source).toBe('app-version');
    expect(() => sut.validate(ref, { b: 1 })).not.toThrow();
    expect(errorOf(() => sut.validate(ref, { a: 1 }))?.violations).toEqual([{ pointer: '/b', message: expect.any(String) }]);
  });

  it('404s when a schema is required and none exists, accepts anything when none is required', () => {
    const source = new FakeSource();
    const sut = new EndpointSchemaService(source);
    expect(() => sut.validate(ref, 'anything')).not.toThrow();
    source.change({ tenants: {}, applications: { kettle: { 'endpoint-configuration': { 'schema-required': true } } } });
    expect(errorOf(() => sut.validate(ref, {}))?.code).toBe('NOT_FOUND');
  });

  it('drops cached validators when the tree changes', () => {
    const source = new FakeSource();
    source.tree = { tenants: {}, applications: { kettle: { 'endpoint-configuration': { schema: { type: 'object' } } } } };
    const sut = new EndpointSchemaService(source);
    expect(() => sut.validate(ref, {})).not.toThrow();
    source.change({ tenants: {}, applications: { kettle: { 'endpoint-configuration': { schema: { $id: 'x', type: 'array' } } } } });
    expect(errorOf(() => sut.validate(ref, {}))?.code).toBe('VALIDATION_FAILED');
    source.change({ tenants: {}, applications: { kettle: { 'endpoint-configuration': { schema: { $id: 'x', type: 'object' } } } } });
    expect(() => sut.validate(ref, {})).not.toThrow();
  });

  it('reports a schema that does not compile as 422', () => {
    const source = new FakeSource();
    source.tree = { tenants: {}, applications: { kettle: { versions: { 'kettle-v1': { endpointConfigurationSchema: '{not json' } } } } };
    expect(errorOf(() => new EndpointSchemaService(source).validate(ref, {}))?.code).toBe('UNPROCESSABLE');
  });

  const withSchema = (schema: object) => {
    const source = new FakeSource();
    source.tree = { tenants: {}, applications: { kettle: { versions: { 'kettle-v1': { endpointConfigurationSchema: schema } } } } };
    return new EndpointSchemaService(source);
  };

  it('matches `pattern` and `patternProperties` with RE2, in linear time', () => {
    const sut = withSchema({ type: 'object', properties: { s: { type: 'string', pattern: '^(a+)+$' } }, patternProperties: { '^x-': { type: 'integer' } } });
    const started = performance.now();
    expect(errorOf(() => sut.validate(ref, { s: `${'a'.repeat(30)}!` }))?.violations).toEqual([{ pointer: '/s', message: expect.stringContaining('^(a+)+$') }]);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(() => sut.validate(ref, { s: 'aaa', 'x-n': 1 })).not.toThrow();
    expect(errorOf(() => sut.validate(ref, { 'x-n': 'one' }))?.violations).toEqual([{ pointer: '/x-n', message: expect.any(String) }]);
  });

  it('refuses, as 400, a schema whose pattern RE2 cannot run', () => {
    for (const pattern of ['^(a)\\1$', '^(?=a)', '(?<!a)b']) {
      const error = errorOf(() => withSchema({ type: 'string', pattern }).validate(ref, 'aa'));
      expect(error?.code).toBe('BAD_REQUEST');
      expect(error?.message).toContain(JSON.stringify(pattern));
    }
    expect(errorOf(() => withSchema({ patternProperties: { '(?=x)': { type: 'integer' } } }).validate(ref, {}))?.code).toBe('BAD_REQUEST');
  });
});

