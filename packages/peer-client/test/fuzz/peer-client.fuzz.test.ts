import fc from 'fast-check';
import { describe, it } from 'vitest';
import { hostileScript, runHostileCase } from './hostile-peer-case.js';

// A fixed-seed run of the hostile-peer fuzz target in every test run; `npm run
// bench:fuzz-peer-client` runs the same property with fresh seeds for a bounded time
// (FUZZ_SECONDS, default 60).
const FUZZ_SECONDS = Number(process.env['FUZZ_SECONDS'] ?? 0);
const SEED = 15;
const FIXED_RUNS = 40;

describe('the peer client against a hostile peer (fuzz)', () => {
  it(
    'throws nothing, plays only real chunks in order and ends only on a signed end, whatever the peer sends in any order',
    { timeout: FUZZ_SECONDS > 0 ? FUZZ_SECONDS * 1000 + 60_000 : 120_000 },
    async () => {
      const property = fc.asyncProperty(hostileScript, runHostileCase);
      if (FUZZ_SECONDS > 0) {
        const started = Date.now();
        const report = await fc.check(property, { numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: FUZZ_SECONDS * 1000 });
        console.log(`fuzz: ${report.numRuns} cases in ${Math.round((Date.now() - started) / 1000)} s, seed ${report.seed}`);
        if (report.failed) throw new Error(fc.defaultReportMessage(report));
      } else {
        await fc.assert(property, { seed: SEED, numRuns: FIXED_RUNS });
      }
    },
  );
});
