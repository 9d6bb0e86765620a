#!/usr/bin/env node
/**
 * Reads a V8 CPU profile (`node --cpu-prof`, or `npm run bench:vod -- --profile DIR`) and prints
 * where the time went: self time by function and by file, as shares of the whole profile.
 *
 *   node tools/bench/profile-summary.mjs FILE.cpuprofile [--top N]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '30' } } });
if (positionals.length !== 1) {
  console.error('usage: node tools/bench/profile-summary.mjs FILE.cpuprofile [--top N]');
  process.exit(2);
}
const top = Number(values.top);
const profile = JSON.parse(readFileSync(positionals[0], 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
// Self time per node: each sample counts the time to the next one against the node it landed on.
const selfUs = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
}
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const shortFile = (url) => url.replace(/^file:\/\//, '').replace(/^.*\/(packages|apps|node_modules)\//, '$1/') || '(native)';
const tally = (keyOf) => {
  const sums = new Map();
  for (const [id, us] of selfUs) {
    const key = keyOf(byId.get(id).callFrame);
    sums.set(key, (sums.get(key) ?? 0) + us);
  }
  return [...sums].sort((a, b) => b[1] - a[1]).slice(0, top);
};
const print = (title, rows) => {
  console.log(`\n${title}`);
  for (const [key, us] of rows) console.log(`${((100 * us) / total).toFixed(1).padStart(5)} %  ${key}`);
};
console.log(`${(total / 1e6).toFixed(2)} s profiled`);
print('self time by function', tally((f) => `${f.functionName || '(anonymous)'}  ${shortFile(f.url)}:${f.lineNumber + 1}`));
print('self time by file', tally((f) => shortFile(f.url)));
