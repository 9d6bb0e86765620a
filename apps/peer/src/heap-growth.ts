import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the heap grow past what its last full collection kept: 1 + 400 % = 5×.
 *
 * A peer's garbage is nearly all chunk buffers that die young, while its JavaScript heap
 * stays near 10 MB. V8 counts those buffers' bytes against an old-generation limit it sets
 * just above the live heap, so by default a viewer ran a full collection for every ~10 MB
 * it received: 28 for a 256 MiB file, which with the concurrent marking they start took
 * about a fifth of its CPU. At 5× it runs one, and young collections free the buffers as
 * before (its peak RSS was 105 MB against 112–115). V8 reads the flag at each collection,
 * so setting it here, before the program allocates, is enough; a value given on the
 * command line or in NODE_OPTIONS is left alone.
 */
const HEAP_GROWING_PERCENT = 400;

const FLAG = '--heap-growing-percent';

if (![...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)].some((arg) => arg.startsWith(FLAG))) {
  setFlagsFromString(`${FLAG}=${HEAP_GROWING_PERCENT}`);
}
