// A jest run leaves nothing in the temp dir: test files, private nats-server stores and the like
// go to a per-run dir (jest/global-setup.mjs) that is removed at the end, in workers too.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

it('a run of suites that write temp files (in two workers) leaves the temp dir as it was', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'kaa-temp-check-'));
  try {
    const suites = ['apps/tekton/src/service-instances/service-instances.loader.spec.ts', 'libs/nats/src/nats-credentials.spec.ts'];
    const result = spawnSync(
      process.execPath,
      ['--experimental-vm-modules', '--disable-warning=ExperimentalWarning', 'node_modules/jest/bin/jest.js', '--ci', '--maxWorkers=2', ...suites],
      { cwd: root, env: { ...process.env, TMPDIR: tmp, KAA_JEST_TMPDIR: '' }, encoding: 'utf8', timeout: 120_000 },
    );
    expect(result.stderr).toMatch(/Tests:\s+\d+ passed/);
    expect(result.status).toBe(0);
    // jest_*: jest's own transform cache, kept between runs on purpose.
    expect(readdirSync(tmp).filter((name) => !name.startsWith('jest_'))).toEqual([]);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
