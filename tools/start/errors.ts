/** A command line `npm start` cannot run with; the message says which flag and why. Exit code 2. */
export class UsageError extends Error {
  readonly code = 'USAGE';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UsageError';
  }
}

/** A program of the swarm did not start, or stopped on its own; the message carries the end of its output. Exit code 1. */
export class ProgramFailedError extends Error {
  readonly code = 'PROGRAM_FAILED';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ProgramFailedError';
  }
}
