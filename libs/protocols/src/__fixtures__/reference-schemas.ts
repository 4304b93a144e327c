import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** The Kaa RFC schemas: `$KAA_RFCS_DIR`, else `../shared/specs/kaa-rfcs` beside the repo (as CI clones it). */
export function referenceSchemaDir(): string {
  const dir = process.env['KAA_RFCS_DIR'] ?? resolve(repoRoot, '../shared/specs/kaa-rfcs');
  if (!existsSync(dir)) {
    throw new Error(
      `Kaa RFC reference schemas not found at ${dir}. Clone shared/ beside the repo or set KAA_RFCS_DIR to the folder holding the *.avsc files.`,
    );
  }
  return dir;
}

export function readReferenceSchema(file: string): unknown {
  return JSON.parse(readFileSync(join(referenceSchemaDir(), file), 'utf8'));
}
