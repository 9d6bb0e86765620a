import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = 'apps/peer/src/main.ts';

/** Runs the program to its end (bounded) and returns what it printed. */
function runMain(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@p2pstream/source', '--import', 'tsx', MAIN, ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (piece: Buffer) => (stdout += piece.toString()));
    child.stderr.on('data', (piece: Buffer) => (stderr += piece.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('the peer program', { timeout: 30_000 }, () => {
  it('prints help on stdout and exits 0, and refuses a bad command line on stderr with exit code 2', async () => {
    const [help, watchHelp, bad, missing] = await Promise.all([
      runMain(['--help']),
      runMain(['watch', '--help']),
      runMain(['watch', 'cam1', '--port', 'many']),
      runMain(['publish', 'cam1']),
    ]);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toContain('Commands:');
    expect(watchHelp.code).toBe(0);
    expect(watchHelp.stdout).toContain('--http HOST:PORT');
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^p2pstream peer: --port takes a whole number/);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--source');
  });
});
