import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the heap grow past what its last full collection kept: 1 + 250 % = 3.5×.
 *
 * A viewer's garbage is nearly all chunk buffers, while its JavaScript heap stays near 10 MB.
 * V8 counts the buffers that outlive two young collections against an old-generation limit
 * it sets just above the live heap, so by default a viewer ran a full collection for every
 * ~10 MB it received (105–121 for a 1 GiB file), which with the concurrent marking each
 * starts took about a quarter of its CPU. At 250 % it ran 61, and spent 25 % less CPU at no
 * more peak memory; 400 % ran 28 and saved a little more CPU, but held 20–40 MB more of dead
 * buffers at its peak. V8 reads the flag at each collection, so setting it here, before
 * the program allocates, is enough; a value given on the command line is left alone.
 */
const HEAP_GROWTH: HeapFlag = { name: '--heap-growing-percent', value: 250, commands: new Set(['watch', 'relay']) };

/**
 * Keeps V8's young generation at its first size (1 MiB semi-spaces) instead of letting it double
 * up to 16 MiB. A peer moving a finished stream allocates short-lived objects per request at a
 * rate that grew it to the most, ~30 MiB of resident memory for objects that die young. The size
 * limit itself (`--max-semi-space-size`) is read only when the heap is made, so it cannot be set
 * from here; the growth factor is read each time V8 would grow it. Measured with `bench:vod`:
 * a 4 GB viewer peaked at 118–127 MiB in three runs instead of 144, at the same CPU per GB (3.6–3.7 s).
 */
const YOUNG_GENERATION: HeapFlag = { name: '--semi-space-growth-factor', value: 1, commands: new Set(['watch', 'relay', 'publish']) };

interface HeapFlag {
  name: string;
  value: number;
  /** The commands it is set for (the program's first argument). */
  commands: ReadonlySet<string>;
}

/**
 * The flags to set for `command`: each one only for the commands it was measured to help
 * (`publish` peaked 8 MB higher for a 4 GB file with the heap growth, at the same CPU), and
 * never over a value the command line or NODE_OPTIONS already gives.
 */
export function heapFlags(command: string | undefined, execArgv: readonly string[], nodeOptions = ''): string[] {
  if (command === undefined) return [];
  const given = [...execArgv, ...nodeOptions.split(/\s+/)];
  return [HEAP_GROWTH, YOUNG_GENERATION]
    .filter(({ name, commands }) => commands.has(command) && !given.some((arg) => arg === name || arg.startsWith(`${name}=`)))
    .map(({ name, value }) => `${name}=${value}`);
}

for (const flag of heapFlags(process.argv[2], process.execArgv, process.env['NODE_OPTIONS'])) setFlagsFromString(flag);
