import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A package README's example and the file it quotes: the test asserts
 * `readme` contains `block`, so the README never drifts from code that runs.
 */
export async function readmeAndExample(packageRoot: string, examplePath: string): Promise<{ readme: string; block: string }> {
  const [readme, example] = await Promise.all([readFile(join(packageRoot, 'README.md'), 'utf8'), readFile(join(packageRoot, examplePath), 'utf8')]);
  return { readme, block: '```ts\n' + example + '```' };
}

/**
 * How long a test that runs an example may take: importing one compiles its module graph
 * first, which alone took over vitest's default 5 s on a loaded two-core machine.
 */
export const EXAMPLE_TIMEOUT_MS = 30_000;

/** Runs `load` (an example's `import()`) and returns the arguments of every `console.log` call it made. */
export async function consoleLogOf(load: () => Promise<unknown>): Promise<unknown[][]> {
  const calls: unknown[][] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => void calls.push(args);
  try {
    await load();
  } finally {
    console.log = log;
  }
  return calls;
}
