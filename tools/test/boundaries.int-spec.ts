import { ESLint } from 'eslint';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Lints code as if it were a file at `path`, without writing it. */
async function boundaryErrors(path: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(code, { filePath: join(root, path) });
  return result.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
}

describe('module boundaries (ESLint)', () => {
  it.each(['@nestjs/common', 'typeorm', 'pg', '@nats-io/transport-node', 'prom-client'])(
    'libs/protocols may not import %s',
    async (pkg) => {
      const errors = await boundaryErrors('libs/protocols/src/probe.ts', `import * as x from '${pkg}';\nexport const y = x;\n`);
      expect(errors.join('\n')).toMatch(new RegExp(`not allowed to import "${pkg.replace(/[/.]/g, '\\$&')}"`));
    },
  );

  it('libs/protocols may not import a platform lib', async () => {
    const errors = await boundaryErrors('libs/protocols/src/probe.ts', `import { NatsClient } from '@kaa/nats';\nexport const y = NatsClient;\n`);
    expect(errors.join('\n')).toMatch(/can only depend on libs tagged with "type:protocol"/);
  });

  it('an app may not import another app', async () => {
    const errors = await boundaryErrors('apps/tekton/src/probe.ts', `import { createEcrApp } from '@kaa/ecr';\nexport const y = createEcrApp;\n`);
    expect(errors.join('\n')).toMatch(/Imports of apps are forbidden/);
  });

  it('allows what the rules allow', async () => {
    expect(await boundaryErrors('libs/protocols/src/probe.ts', `import avro from 'avsc';\nexport const y = avro;\n`)).toEqual([]);
    expect(await boundaryErrors('apps/ecr/src/probe.ts', `import { cdtp } from '@kaa/protocols';\nimport { NatsClient } from '@kaa/nats';\nexport const y = [cdtp, NatsClient];\n`)).toEqual([]);
  });
});
