/** A problem the user can fix, said in one line (central unreachable, stream not found, name taken). Exit code 1. */
export class UserError extends Error {
  /** `USER`, or a subclass's more precise code (e.g. `NOT_MPEG_TS`). */
  readonly code: string = 'USER';
  /** More lines to show after the message (what `list` shows, for a stream not found). */
  readonly details: string;
  constructor(message: string, details = '', options?: ErrorOptions) {
    super(message, options);
    this.details = details;
  }
}

/**
 * `--out` stopped taking the stream. `READER_GONE`: the program reading stdout exited
 * (EPIPE) — the viewer's way to stop watching, like Ctrl-C, so exit code 0.
 * `OUTPUT_FAILED`: writing failed otherwise (a full disk, a file that cannot be
 * written) — exit code 1.
 */
export class OutputError extends Error {
  readonly code: 'READER_GONE' | 'OUTPUT_FAILED';
  constructor(code: OutputError['code'], message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }

  get exitCode(): number {
    return this.code === 'READER_GONE' ? 0 : 1;
  }
}
