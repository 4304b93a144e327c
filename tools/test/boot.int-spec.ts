import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Starts a built app (npm test builds before jest) with `env` and returns how it ended. */
function boot(app: string, env: Record<string, string>) {
  const result = spawnSync(process.execPath, [join(root, 'apps', app, 'dist', 'main.js')], {
    env: { PATH: process.env.PATH ?? '', TENANTS_FILE: '/nonexistent/tenants.json', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { code: result.status, stderr: result.stderr };
}

describe.each(['tekton', 'ecr', 'watcher'])('%s started with a bad setting', (app) => {
  it('exits non-zero and names the variable', () => {
    const { code, stderr } = boot(app, { DATABASE_URL: 'not-a-url' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/DATABASE_URL: must be a URL/);
  });

  it('reports every bad variable at once', () => {
    const { code, stderr } = boot(app, { PORT: 'eighty', SERVICE_INSTANCE_NAME: 'Has.Dots', LOG_LEVEL: 'loud' });
    expect(code).toBe(1);
    for (const variable of ['PORT', 'SERVICE_INSTANCE_NAME', 'LOG_LEVEL']) expect(stderr).toContain(`${variable}:`);
  });
});
