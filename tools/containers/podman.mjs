// podman as CI uses it here: installed from Debian when missing (as root), with a containers.conf
// for machines where the default OCI runtime cannot start containers (crun on a hybrid cgroup
// tree, rlimits a container may not raise): runc, cgroupfs and modest ulimits.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

const onPath = (binary) => (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, binary)));

let confFile;
/** The environment podman runs with: the caller's CONTAINERS_CONF, else ours. */
export function podmanEnv() {
  if (process.env.CONTAINERS_CONF) return process.env;
  if (!confFile) {
    confFile = join(mkdtempSync(join(tmpdir(), 'kaa-podman-')), 'containers.conf');
    const lines = ['[containers]', 'default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]', '', '[engine]', 'cgroup_manager = "cgroupfs"'];
    if (onPath('runc')) lines.push('runtime = "runc"');
    writeFileSync(confFile, `${lines.join('\n')}\n`);
  }
  return { ...process.env, CONTAINERS_CONF: confFile };
}

/** Runs podman; its output, or throws with podman's own words. */
export function podman(args, { cwd, quiet = false, allowFailure = false } = {}) {
  const result = spawnSync('podman', args, { cwd, env: podmanEnv(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0 && !allowFailure) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
    throw new Error(`podman ${args.slice(0, 3).join(' ')} … failed (exit ${result.status}):\n${quiet ? output.split('\n').slice(-40).join('\n') : output}`);
  }
  return result.stdout ?? '';
}

/** podman, busybox (for the local base image) and docker-compose; apt-get installs what is missing when root. */
export function ensurePodman(log, { compose = false } = {}) {
  const wanted = [
    ['podman', 'podman'],
    ['busybox', 'busybox-static'],
    ...(compose ? [['docker-compose', 'docker-compose']] : []),
  ].filter(([binary]) => !onPath(binary));
  if (wanted.length === 0) return;
  const packages = wanted.map(([, pkg]) => pkg);
  if (process.getuid?.() !== 0) throw new Error(`missing ${packages.join(', ')}: install them (apt-get install ${packages.join(' ')})`);
  log(`installing ${packages.join(', ')} with apt-get`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}
