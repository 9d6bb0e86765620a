/**
 * A peer's garbage in miniature: a JavaScript heap of ~10 MB, and 512 MiB of 256 KiB buffers
 * each held while the next 64 arrive (as chunks are, until written out). Prints how many
 * full (major) collections that took. `buffer-churn.mjs tuned` imports the peer's heap
 * setting first.
 */
import { constants, PerformanceObserver } from 'node:perf_hooks';

if (process.argv[2] === 'tuned') await import('../../src/heap-growth.ts');
let majors = 0;
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors += 1;
});
observer.observe({ entryTypes: ['gc'] });
const live = Array.from({ length: 100_000 }, (_, i) => ({ i, name: `entry ${i}` }));
const held = [];
for (let i = 0; i < 2048; i++) {
  held.push(Buffer.allocUnsafe(256 * 1024));
  if (held.length > 64) held.shift();
  await new Promise((resolve) => setImmediate(resolve));
}
// The observer hears of the last collections in a later task.
await new Promise((resolve) => setTimeout(resolve, 50));
console.log(JSON.stringify({ majors, entries: live.length }));
