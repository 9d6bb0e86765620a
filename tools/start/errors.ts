/** A program of the swarm did not start, or stopped on its own; the message carries the end of its output. Exit code 1. */
export class ProgramFailedError extends Error {
  readonly code = 'PROGRAM_FAILED';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ProgramFailedError';
  }
}
