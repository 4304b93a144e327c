import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** The Kaa RFC reference schemas, copied into the repository with their licence (see its README). */
export function referenceSchemaDir(): string {
  return join(repoRoot, 'libs/protocols/reference/kaa-rfcs');
}

export function readReferenceSchema(file: string): unknown {
  return JSON.parse(readFileSync(join(referenceSchemaDir(), file), 'utf8'));
}
