#!/usr/bin/env node
// Top frames by self time in a V8 .cpuprofile, e.g. one written by
// `node test/bench/run.mjs --quick --scenario throughput --servers st --profile`.
//   node test/bench/lib/profile-top.mjs FILE.cpuprofile [N]
import { readFileSync } from 'node:fs';

const [file, n = '25'] = process.argv.slice(2);
if (!file) {
  console.error('usage: node test/bench/lib/profile-top.mjs FILE.cpuprofile [N]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const self = new Map();
const groups = new Map();
let total = 0;
// Coarse owner of a frame: a package under node_modules, a workspace, node itself, or V8's own buckets.
function group(url, functionName) {
  if (!url) return functionName.startsWith('(') ? functionName : 'native';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const ws = /\/main\/([^/]+)\//.exec(url);
  if (ws) return ws[1];
  return url.startsWith('node:') ? 'node' : url;
}
// samples[i] was on the stack for timeDeltas[i + 1] µs (V8's convention, close enough for a top list).
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i + 1] ?? 0;
  const { functionName, url, lineNumber } = byId.get(id).callFrame;
  const where = url ? `${url.replace(/^file:\/\/.*?\/node_modules\//, '').replace(/^file:\/\/.*?\/main\//, '')}:${lineNumber + 1}` : '';
  const key = `${functionName || '(anonymous)'} ${where}`.trim();
  self.set(key, (self.get(key) ?? 0) + dt);
  const g = group(url, functionName);
  groups.set(g, (groups.get(g) ?? 0) + dt);
  total += dt;
});
const pct = (us) => `${((us / total) * 100).toFixed(1).padStart(5)}%`;
console.log('by owner:');
for (const [g, us] of [...groups.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`${pct(us)}  ${g}`);
const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(n));
console.log(`top frames by self time (${(total / 1000).toFixed(0)} ms sampled):`);
for (const [key, us] of rows) console.log(`${pct(us)}  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}`);
