// Each published package's public surface is checked in as an API report (libs/<lib>/api/*.api.md,
// @microsoft/api-extractor); a change to what consumers see fails here until the report is updated
// on purpose (`node tools/packages/api-report.mjs --update`). Needs the libs built.
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const apiReport = (...args: string[]) => spawnSync(process.execPath, [join(root, 'tools/packages/api-report.mjs'), ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });

describe('API reports of the published packages', () => {
  it('match the built declarations of every package', () => {
    const result = apiReport();
    expect(result.stderr).not.toMatch(/public API changed/);
    expect(result.status).toBe(0);
  }, 120_000);

  it('fail when a package exports something its report does not list', () => {
    // A copy of libs/watch-listener, two levels down like the original (its tsconfig extends ../../).
    const copy = join(root, 'tmp', `api-report-${randomBytes(4).toString('hex')}`);
    const lib = join(copy, 'libs', 'watch-listener');
    try {
      mkdirSync(lib, { recursive: true });
      cpSync(join(root, 'tsconfig.base.json'), join(copy, 'tsconfig.base.json'));
      for (const part of ['package.json', 'tsconfig.build.json', 'api', 'dist']) cpSync(join(root, 'libs/watch-listener', part), join(lib, part), { recursive: true });
      appendFileSync(join(lib, 'dist/index.d.ts'), 'export declare function surprise(): void;\n');
      const result = apiReport('--package', lib);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('@kaa/watch-listener: the public API changed');
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }, 120_000);
});
