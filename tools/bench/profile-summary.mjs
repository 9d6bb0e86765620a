#!/usr/bin/env node
/**
 * Reads a V8 CPU profile (`node --cpu-prof`, or `npm run bench:vod -- --profile DIR`) and prints
 * where the time went: self time by function and by file, as shares of the whole profile.
 *
 *   node tools/bench/profile-summary.mjs FILE.cpuprofile [--top N]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const USAGE = `Usage: node tools/bench/profile-summary.mjs FILE.cpuprofile [--top N]

Prints where a V8 CPU profile's time went: self time by function and by file, as shares of the
whole profile.

  --top N                rows in each table (default 30)
  -h, --help             show this help
`;

/** One line for a mistake on the command line (the .ts benches' tools/bench/command-line.ts does the same). */
function usageError(message) {
  process.stderr.write(`error: ${message}; see --help\n`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '30' }, help: { type: 'boolean', short: 'h' } } });
} catch (error) {
  usageError(error.message.replace(/\. To specify a positional argument.*$/s, ''));
}
const { values, positionals } = parsed;
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (positionals.length !== 1) usageError('give one profile, FILE.cpuprofile');
const top = Number(values.top);
if (!Number.isInteger(top) || top < 1) usageError(`--top takes a whole number from 1, not "${values.top}"`);
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
