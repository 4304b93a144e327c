// Removes the run's temp dir made by global-setup.mjs.
import { rmSync } from 'node:fs';

export default function globalTeardown() {
  const dir = process.env.KAA_JEST_TMPDIR;
  if (dir) rmSync(dir, { recursive: true, force: true });
}
