/**
 * A command line that runs `command` with its stdout piped into `reader`, a shell
 * snippet (`(sleep 6; cat)`: a player that stalls for 6 s; `head -c 100000 >/dev/null`:
 * one that quits early), as `program | reader` at a shell. What the reader prints
 * becomes the pipeline's stdout; its exit status is `command`'s, not the reader's.
 * Pass it as a launcher's command (e.g. the peer's `startPeer({ command })`).
 */
export function pipedInto(command: readonly string[], reader: string): string[] {
  return ['bash', '-c', `"$@" | ${reader}; exit "\${PIPESTATUS[0]}"`, 'bash', ...command];
}
