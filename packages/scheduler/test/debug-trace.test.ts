import { afterEach, describe, expect, it } from 'vitest';
import { startProgram, stopAllPrograms } from '../../../tools/testing/index.js';

const PROGRAM = 'packages/scheduler/test/programs/trace-one-chunk.ts';

async function run(env: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
  const program = await startProgram(PROGRAM, [], { env });
  await program.exited;
  return { stdout: program.stdout(), stderr: program.stderr() };
}

describe('NODE_DEBUG=p2pstream:scheduler', () => {
  afterEach(() => stopAllPrograms());

  it('traces every decision about one chunk: asked of whom, timed out, asked again, skipped with its cause', async () => {
    const { stdout, stderr } = await run({ NODE_DEBUG: 'p2pstream:scheduler' });
    expect(JSON.parse(stdout)).toEqual([{ seq: 3, cause: 'timed-out', peers: ['silent'] }]);
    const chunk3 = stderr
      .split('\n')
      .filter((line) => line.includes('chunk 3:'))
      .map((line) => line.replace(/^P2PSTREAM:SCHEDULER \d+: /, ''));
    expect(chunk3).toEqual([
      'chunk 3: asked of silent, timeout 1000 ms, due in 3500 ms',
      'chunk 3: silent timed out after 1000 ms; it may be asked again',
      'chunk 3: asked of silent, timeout 1000 ms, due in 1500 ms',
      'chunk 3: silent timed out after 1000 ms; it may be asked again',
      'chunk 3: skipped (timed-out: silent)',
    ]);
  }, 30_000);

  it('prints nothing without it', async () => {
    const { stdout, stderr } = await run({ NODE_DEBUG: '' });
    expect(JSON.parse(stdout)).toEqual([{ seq: 3, cause: 'timed-out', peers: ['silent'] }]);
    expect(stderr).not.toContain('P2PSTREAM:SCHEDULER');
  }, 30_000);
});
