// Node's `process` where there is one (the same calls as before), the nearest browser
// equivalent where there is none, so the connection runs in a page as it is.
const nodeProcess = (globalThis as { process?: NodeJS.Process }).process;

/** Runs `callback` after the current operation: `process.nextTick` in Node, a microtask in a browser. */
export const nextTick: (callback: () => void) => void =
  nodeProcess === undefined ? (callback) => queueMicrotask(callback) : (callback) => nodeProcess.nextTick(callback);

/** A bug in app code nobody listens for: a process warning in Node, the console in a browser. */
export function warn(error: Error): void {
  if (nodeProcess === undefined) console.warn(error);
  else nodeProcess.emitWarning(error);
}
