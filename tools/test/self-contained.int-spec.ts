// A clone stands alone: no source, script or test reads anything beside the repository (a user's
// clone has no shared/ folder next to it). The reference Avro schemas are copied in.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
// Built from parts, so that this file does not match itself.
const outside = new RegExp(['\\.\\./', '(\\.\\./)*', 'shared/'].join(''));

describe('the repository is self-contained', () => {
  it('has the Kaa RFC reference schemas, with their licence', () => {
    const dir = join(root, 'libs/protocols/reference/kaa-rfcs');
    for (const file of ['LICENSE', '0006-config-request.avsc', '0017-broadcast_configuration_update.avsc', '0027-system-config-updated.avsc']) {
      expect({ file, present: existsSync(join(dir, file)) }).toEqual({ file, present: true });
    }
  });

  it('reads nothing from a folder beside the clone', () => {
    const files = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .filter((f) => /\.(ts|mts|mjs|js|cjs|json|sh)$/.test(f) || f === '.ci/run');
    expect(files.length).toBeGreaterThan(100);
    const offending = files.filter((f) => outside.test(readFileSync(join(root, f), 'utf8')));
    expect(offending).toEqual([]);
  });
});
