// `node tools/packages/api-report.mjs [--update]`: checks each published package's public surface
// (its built .d.ts) against the API report checked in beside it (libs/<lib>/api/<lib>.api.md) with
// @microsoft/api-extractor. Exits 1 when a report differs; --update rewrites the reports instead.
// `--package <dir>` (repeatable) checks only those package folders. Run after building the libraries.
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { PUBLISHED_PACKAGES } from './published.mjs';
import { workspaceRoot } from '../dev/run.mjs';

const update = process.argv.includes('--update');
const chosen = process.argv.flatMap((arg, i) => (process.argv[i - 1] === '--package' ? [resolve(arg)] : []));
const packages = chosen.length
  ? chosen.map((dir) => ({ dir, name: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name }))
  : PUBLISHED_PACKAGES;
// require() (not import) so that a tool installed elsewhere can be found through NODE_PATH too.
const require = createRequire(join(workspaceRoot, 'package.json'));
const { Extractor, ExtractorConfig } = require('@microsoft/api-extractor');

let failed = 0;
for (const { dir, name } of packages) {
  if (update) mkdirSync(resolve(workspaceRoot, dir, 'api'), { recursive: true });
  const config = ExtractorConfig.prepare({
    configObject: {
      projectFolder: resolve(workspaceRoot, dir),
      mainEntryPointFilePath: '<projectFolder>/dist/index.d.ts',
      compiler: { tsconfigFilePath: '<projectFolder>/tsconfig.build.json' },
      apiReport: { enabled: true, reportFolder: '<projectFolder>/api/', reportTempFolder: join(workspaceRoot, 'tmp', 'api-report', name) },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages: {
        compilerMessageReporting: { default: { logLevel: 'warning' } },
        extractorMessageReporting: {
          default: { logLevel: 'warning' },
          // Our libraries export what they export; release tags (@public/@beta) are not used here.
          'ae-missing-release-tag': { logLevel: 'none' },
          'ae-forgotten-export': { logLevel: 'none', addToApiReportFile: true },
        },
        tsdocMessageReporting: { default: { logLevel: 'none' } },
      },
    },
    configObjectFullPath: resolve(workspaceRoot, dir, 'api-extractor.json'),
    packageJsonFullPath: resolve(workspaceRoot, dir, 'package.json'),
  });
  const result = Extractor.invoke(config, { localBuild: update, showVerboseMessages: false, messageCallback: (m) => { if (m.logLevel === 'warning') m.logLevel = 'verbose'; } });
  if (result.succeeded && !result.apiReportChanged) {
    console.log(`api-report: ${name} ${update ? 'written' : 'unchanged'}`);
  } else if (update && result.succeeded) {
    console.log(`api-report: ${name} updated (${dir}/api/)`);
  } else {
    failed += 1;
    console.error(
      `api-report: ${name}: the public API changed (${result.errorCount} errors). If on purpose, run ` +
        '`node tools/packages/api-report.mjs --update`, commit the report and add a changeset (`npx changeset`).',
    );
  }
}
process.exit(failed ? 1 : 0);
