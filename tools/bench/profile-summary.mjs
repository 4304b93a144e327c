// Summarises a .cpuprofile (from `npm run bench -- --cpu-prof`): self time by function and by
// package/file, and inclusive time of the app's own functions.
//   node tools/bench/profile-summary.mjs .data/bench-profiles/CPU.*.cpuprofile [--top=25]
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const top = Number(args.find((a) => a.startsWith('--top='))?.slice(6) ?? 25);
for (const file of args.filter((a) => !a.startsWith('--'))) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const total = profile.samples.length;
  for (const id of profile.samples) self.set(id, (self.get(id) ?? 0) + 1);
  const where = (n) => {
    const url = n.callFrame.url || '(native)';
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    if (m) return m[1];
    const a = /\/(apps|libs)\/([^/]+)\//.exec(url);
    if (a) return `${a[1]}/${a[2]}`;
    if (url.startsWith('node:')) return url;
    return url.replace(/^file:\/\//, '').split('/').slice(-2).join('/');
  };
  const fnAgg = new Map();
  const pkgAgg = new Map();
  for (const [id, count] of self) {
    const n = byId.get(id);
    const fn = `${n.callFrame.functionName || '(anonymous)'} ${where(n)}:${n.callFrame.lineNumber + 1}`;
    fnAgg.set(fn, (fnAgg.get(fn) ?? 0) + count);
    const pkg = n.callFrame.url ? where(n) : n.callFrame.functionName;
    pkgAgg.set(pkg, (pkgAgg.get(pkg) ?? 0) + count);
  }
  const pct = (c) => `${((100 * c) / total).toFixed(1).padStart(5)}%`;
  console.log(`\n== ${file}: ${total} samples`);
  console.log('-- self time by package / file');
  for (const [k, c] of [...pkgAgg].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(c)}  ${k}`);
  console.log('-- self time by function');
  for (const [k, c] of [...fnAgg].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(c)}  ${k}`);
}
