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
const HEAP_GROWING_PERCENT = 250;

const FLAG = '--heap-growing-percent';

/** Commands that receive chunks, and so make the buffers in question. */
const RECEIVING_COMMANDS = new Set(['watch', 'relay']);

/**
 * The flag to set for `command` (the program's first argument), or undefined: for a
 * command that receives no chunks (`publish` peaked 8 MB higher for a 4 GB file with it,
 * and spent the same CPU), or when the command line or NODE_OPTIONS already gives one.
 */
export function heapGrowthFlag(command: string | undefined, execArgv: readonly string[], nodeOptions = ''): string | undefined {
  if (command === undefined || !RECEIVING_COMMANDS.has(command)) return undefined;
  const given = [...execArgv, ...nodeOptions.split(/\s+/)].some((arg) => arg === FLAG || arg.startsWith(`${FLAG}=`));
  return given ? undefined : `${FLAG}=${HEAP_GROWING_PERCENT}`;
}

const flag = heapGrowthFlag(process.argv[2], process.execArgv, process.env['NODE_OPTIONS']);
if (flag) setFlagsFromString(flag);
