import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, writeTempFile } from '@kaa/testing';
import { AppConfigFileError, FileAppConfigSource } from './file-config-source.js';
import type { ConfigChange } from './app-config-source.js';

describe('FileAppConfigSource', () => {
  it('reads a YAML tree and announces the start', async () => {
    const path = await writeTempFile(
      'ecr.yaml',
      ['kaa:', '  applications:', '    kettle:', '      endpoint-configuration:', '        schema-required: true', '      versions:', '        kettle-v1:', '          endpointConfigurationSchema: "{}"'].join('\n'),
    );
    const sut = new FileAppConfigSource({ path });
    const changes: ConfigChange[] = [];
    sut.onChange((change) => changes.push(change));

    await sut.start();

    expect(sut.current().applications['kettle']).toEqual({
      'endpoint-configuration': { 'schema-required': true },
      versions: { 'kettle-v1': { endpointConfigurationSchema: '{}' } },
    });
    expect(sut.current().tenants).toEqual({});
    expect(changes).toEqual([{ scope: 'all', reason: 'start' }]);
  });

  it('reads JSON and tenants', async () => {
    const path = await writeTempFile('ecr.json', JSON.stringify({ kaa: { applications: {}, tenants: { t1: { config: { a: 1 } } } } }));
    const sut = new FileAppConfigSource({ path });
    await sut.start();
    expect(sut.current()).toEqual({ applications: {}, tenants: { t1: { config: { a: 1 } } } });
  });

  it.each([
    ['kaa: [1, 2]', '`kaa` must be a map'],
    ['kaa:\n  applications:\n    kettle: 3', '`kaa.applications.kettle` must be a map'],
    ['kaa:\n  applications:\n    kettle:\n      versions: [a]', '`kaa.applications.kettle.versions` must be a map'],
    ['kaa: {applications: {', 'not valid YAML or JSON'],
    ['kaa:\n  applications:\n    kettle:\n      tenantId: 7', '`kaa.applications.kettle.tenantId` must be a tenant id'],
  ])('refuses to start on a malformed file (%s)', async (content, reason) => {
    const path = await writeTempFile('bad.yaml', content);
    const sut = new FileAppConfigSource({ path });
    const failure = sut.start();
    await expect(failure).rejects.toThrow(AppConfigFileError);
    await expect(failure).rejects.toThrow(reason);
  });

  it("names each application's owner (tenantId); versions are not listed, so each belongs to its application's", async () => {
    const path = await writeTempFile('ecr.json', JSON.stringify({ kaa: { applications: { kettle: { tenantId: 'acme' }, lamp: {} } } }));
    const sut = new FileAppConfigSource({ path });
    await sut.start();
    expect(sut.owners()).toEqual({ applications: { kettle: 'acme' } });
  });

  it('refuses to start when the file is missing', async () => {
    await expect(new FileAppConfigSource({ path: '/nonexistent/ecr.yaml' }).start()).rejects.toThrow('cannot be read');
  });

  it('keeps the previous tree when a reload fails, and emits a file change when it succeeds', async () => {
    const path = await writeTempFile('ecr.json', JSON.stringify({ kaa: { applications: { a: {} } } }));
    const sut = new FileAppConfigSource({ path });
    await sut.start();
    const changes: ConfigChange[] = [];
    sut.onChange((change) => changes.push(change));

    await writeFile(path, 'kaa: 7');
    await expect(sut.reload()).rejects.toThrow(AppConfigFileError);
    expect(Object.keys(sut.current().applications)).toEqual(['a']);

    await writeFile(path, JSON.stringify({ kaa: { applications: { b: {} } } }));
    await sut.reload();
    expect(Object.keys(sut.current().applications)).toEqual(['b']);
    expect(changes).toEqual([{ scope: 'all', reason: 'file' }]);
    await sut.stop();
  });

  it('sees a file replaced atomically (write a temp file, rename it over), every time', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tekton-client-'));
    const path = join(dir, 'ecr.json');
    const replace = async (app: string) => {
      const temp = join(dir, `.ecr.json.${app}.tmp`);
      await writeFile(temp, JSON.stringify({ kaa: { applications: { [app]: {} } } }));
      await rename(temp, path);
    };
    await replace('first');
    const errors: Error[] = [];
    const sut = new FileAppConfigSource({ path, watch: true, onError: (error) => errors.push(error) });
    await sut.start();
    try {
      await replace('second');
      await eventually(() => (sut.current().applications['second'] ? true : undefined));
      await replace('third');
      await eventually(() => (sut.current().applications['third'] ? true : undefined));
      expect(Object.keys(sut.current().applications)).toEqual(['third']);
      expect(errors).toEqual([]);
    } finally {
      await sut.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
