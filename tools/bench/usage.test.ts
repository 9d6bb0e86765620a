import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../testing/index.js';

/**
 * Every bench a user runs answers `--help` with its usage and refuses an unknown option with one
 * line on stderr and exit code 2, both before any benchmark work starts (so this stays fast).
 */

/** The `npm run bench:*` scripts' entry points, and the benches and the profile reader run directly. */
const ENTRY_POINTS = [
  ...new Set([
    ...Object.values(JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>).flatMap(
      (command) => /tools\/bench\/[\w-]+\.ts/.exec(command)?.[0] ?? [],
    ),
    'tools/bench/tracker-outage.ts',
    'tools/bench/redis-script-cost.ts',
    'tools/bench/profile-summary.mjs',
  ]),
];
const RUN_TIMEOUT_MS = 60_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a bench from source as its npm script does, with `args`. */
function runBench(entry: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=@p2pstream/source', '--import', 'tsx', entry, ...args],
      { cwd: REPO_ROOT, timeout: RUN_TIMEOUT_MS, env: { ...process.env, NODE_OPTIONS: '' } },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

describe.concurrent('bench command lines', () => {
  it('finds the npm run bench:* entry points', () => {
    expect(ENTRY_POINTS).toEqual(expect.arrayContaining(['tools/bench/wire.ts', 'tools/bench/tracker.ts', 'tools/bench/webrtc.ts']));
  });

  for (const entry of ENTRY_POINTS) {
    it(`${entry} --help prints its usage and exits 0`, { timeout: RUN_TIMEOUT_MS + 5_000 }, async () => {
      const run = await runBench(entry, ['--help']);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^Usage: /);
      expect(run.stdout).toContain('-h, --help');
    });

    it(`${entry} refuses an unknown option with one line and exit code 2`, { timeout: RUN_TIMEOUT_MS + 5_000 }, async () => {
      const run = await runBench(entry, ['--no-such-flag']);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe("error: Unknown option '--no-such-flag'; see --help\n");
    });
  }
});
