// watch-send checks its credentials file before connecting: an error answer saved in its place
// is named as such (exit 4), not reported as TLS failures and "unreachable" (exit 3).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './stack.js';

const dir = mkdtempSync(join(tmpdir(), 'kaa-watch-send-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function send(credentials: string) {
  const file = join(dir, `runtime-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, credentials);
  const args = ['--url', 'https://127.0.0.1:9', '--component', 'lifecycle-manager', '--credentials', file, '--name', 'default', '--version', 'v1', '--kind', 'Kyma'];
  const result = spawnSync(process.execPath, [join(root, 'tools/watch-send/watch-send.mjs'), ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: result.status, stderr: result.stderr, file };
}

describe('watch-send --credentials', () => {
  it('says the file holds an error answer, quoting it, and exits 4', () => {
    const { code, stderr, file } = send('{"statusCode":409,"error":"Conflict","message":"runtime runtime-eu-1 already exists"}');
    expect(code).toBe(4);
    expect(stderr).toContain(`${file} holds no certificate (it looks like an error answer: {"statusCode":409,"error":"Conflict","message":"runtime runtime-eu-1 already exists"})`);
    expect(stderr).not.toMatch(/self-signed|retrying/);
  });

  it('says the file is not JSON when it is not', () => {
    const { code, stderr } = send('<html>502 Bad Gateway</html>');
    expect(code).toBe(4);
    expect(stderr).toMatch(/holds no certificate: it is not JSON \(starts with "<html>502 Bad Gateway<\/html>"\)/);
  });

  it('names a missing file', () => {
    const result = spawnSync(process.execPath, [join(root, 'tools/watch-send/watch-send.mjs'), '--url', 'https://127.0.0.1:9', '--component', 'c', '--credentials', join(dir, 'nope.json'), '--name', 'n', '--version', 'v1', '--kind', 'K'], { encoding: 'utf8' });
    expect(result.status).toBe(4);
    expect(result.stderr).toContain('nope.json: no such file');
  });
});
