import { ConfigError } from '@kaa/config';
import { writeTempFile } from '@kaa/testing';
import { loadServiceInstances } from './service-instances.loader.js';

describe('loadServiceInstances', () => {
  it('loads YAML and compiles the schemas', async () => {
    const file = await writeTempFile('si.yaml', 'kaa:\n  service-instances:\n    ecr:\n      serviceName: ecr\n      serviceGroup: cfg\n      appConfigurationSchema: { type: object, properties: { a: { type: boolean } } }\n');
    const sut = loadServiceInstances(file);
    const ecr = sut.get('ecr');
    expect(ecr?.validateApp?.({ a: true })).toBe(true);
    expect(ecr?.validateApp?.({ a: 1 })).toBe(false);
    expect(ecr?.validateAppVersion).toBeUndefined();
  });

  it('loads JSON too', async () => {
    const file = await writeTempFile('si.json', JSON.stringify({ kaa: { 'service-instances': { cmx: { serviceName: 'cmx', serviceGroup: 'comm' } } } }));
    expect([...loadServiceInstances(file).keys()]).toEqual(['cmx']);
  });

  it.each([
    ['malformed YAML', 'kaa: [unclosed', /SERVICE_INSTANCES_FILE: .*si.yaml/],
    ['a missing serviceName', 'kaa:\n  service-instances:\n    ecr:\n      serviceGroup: x\n', /kaa\.service-instances\.ecr\.serviceName/],
    ['an invalid JSON Schema', 'kaa:\n  service-instances:\n    ecr:\n      serviceName: e\n      serviceGroup: g\n      appConfigurationSchema: { type: nonsense }\n', /ecr\.appConfigurationSchema is not a valid JSON Schema/],
  ])('stops the start with a clear message for %s', async (_case, content, message) => {
    const file = await writeTempFile('si.yaml', content);
    expect(() => loadServiceInstances(file)).toThrow(ConfigError);
    expect(() => loadServiceInstances(file)).toThrow(message);
  });

  it('names a missing file', () => {
    expect(() => loadServiceInstances('/nonexistent/si.yaml')).toThrow(/\/nonexistent\/si.yaml/);
  });
});
