// tools/dev/node-versions.mjs's cache: what it reuses and what it refuses, without the registry
// (CI's `node tools/dev/node-versions.mjs` run installs from it for real).
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installNode } from '../dev/node-versions.mjs';

const thisMajor = process.versions.node.split('.')[0];
const binaryPackage = `node-${process.platform}-${process.arch}`;

describe('node-versions: installNode', () => {
  let cacheDir: string;
  beforeEach(() => {
    cacheDir = mkdtempSync(join(tmpdir(), 'kaa-node-versions-'));
  });
  afterEach(() => rmSync(cacheDir, { recursive: true, force: true }));

  /** Puts this process's own node where installNode caches `major`. */
  function cache(major: string): string {
    const bin = join(cacheDir, major, 'node_modules', binaryPackage, 'bin');
    mkdirSync(bin, { recursive: true });
    symlinkSync(process.execPath, join(bin, 'node'));
    return join(bin, 'node');
  }

  it('reuses a cached binary of the asked major without calling npm', () => {
    const binary = cache(thisMajor);
    const said: string[] = [];
    expect(installNode(thisMajor, { cacheDir, say: (line) => said.push(line) })).toBe(binary);
    expect(said).toEqual([]);
  });

  it('refuses a cached binary that is another major', () => {
    cache('99');
    expect(() => installNode('99', { cacheDir, say: () => undefined })).toThrow(`is Node ${process.versions.node}, not 99`);
  });

  it('refuses a version that is not a major number', () => {
    for (const bad of ['22.1', 'lts', '../22', '']) {
      expect(() => installNode(bad, { cacheDir, say: () => undefined })).toThrow('a Node version is a major number');
    }
  });
});
