/**
 * A value on a command line that the program cannot run with. The message names
 * the flag, what it takes and what was given, e.g.
 * `--ttl takes a duration like 500ms, 4s or 2m (a bare number is seconds), not "soon"`.
 * Programs exit with code 2 on it.
 */
export class UsageError extends Error {
  readonly code = 'USAGE';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UsageError';
  }
}
