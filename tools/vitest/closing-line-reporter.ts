import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints the plain closing line CI reads: `Tests: N passed, N failed, N skipped`.
 * A test file that fails to load, and an error thrown outside any test, each
 * count as one failure, so a broken file can never look like a green run.
 */
export default class ClosingLineReporter implements Reporter {
  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<unknown>,
  ): void {
    let passed = 0;
    let failed = unhandledErrors.length;
    let skipped = 0;
    for (const testModule of testModules) {
      let failedHere = 0;
      for (const test of testModule.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') failedHere += 1;
        else skipped += 1;
      }
      // A module that failed without a failing test did not load or broke in a hook.
      if (failedHere === 0 && (testModule.state() === 'failed' || testModule.errors().length > 0)) failedHere = 1;
      failed += failedHere;
    }
    process.stdout.write(`\nTests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
