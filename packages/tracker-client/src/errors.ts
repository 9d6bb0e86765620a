import { WireErrorCode } from '@p2pstream/wire';

/**
 * Codes of the errors this package throws. Refusals by central keep central's
 * own code (`NAME_TAKEN`, `STREAM_NOT_FOUND`, `BAD_SIGNATURE`, `RATE_LIMITED`, …).
 */
export type TrackerClientErrorCode =
  | 'CENTRAL_UNREACHABLE'
  | typeof WireErrorCode.registryUnavailable
  | 'CLIENT_CLOSED'
  | 'INVALID_ARGUMENT'
  | typeof WireErrorCode.nameTaken
  | typeof WireErrorCode.streamNotFound
  | (string & {});

/** Base of every error this package throws; `code` is stable. */
export class TrackerClientError extends Error {
  readonly code: TrackerClientErrorCode;
  constructor(code: TrackerClientErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** One attempt to reach a central, for the message of CentralUnreachableError. */
export interface CentralAttempt {
  readonly central: string;
  readonly error: Error;
}

/**
 * No central in the list could be reached (or every one failed the request).
 * The message lists each one tried and why; how to start one is the app's to say.
 */
export class CentralUnreachableError extends TrackerClientError {
  readonly attempts: readonly CentralAttempt[];
  constructor(attempts: readonly CentralAttempt[]) {
    const tried = attempts.map((a) => `${a.central} (${a.error.message})`).join('; ');
    super('CENTRAL_UNREACHABLE', `no central could be reached — tried ${tried}`, { cause: attempts.at(-1)?.error });
    this.attempts = attempts;
  }
}

/**
 * A central answered, but cannot reach the registry behind it (its Redis is
 * down): the request was retried with backoff, on every central given, until
 * `registryRetryTimeout` ran out.
 */
export class RegistryUnavailableError extends TrackerClientError {
  readonly attempts: readonly CentralAttempt[];
  constructor(attempts: readonly CentralAttempt[]) {
    const centrals = [...new Set(attempts.map((a) => a.central))].join(', ');
    super(WireErrorCode.registryUnavailable, `central at ${centrals} is running but cannot reach its registry (Redis); try again when it is back`, {
      cause: attempts.at(-1)?.error,
    });
    this.attempts = attempts;
  }
}

/** The name belongs to another publisher key. */
export class NameTakenError extends TrackerClientError {
  constructor(message: string, options?: ErrorOptions) {
    super(WireErrorCode.nameTaken, message, options);
  }
}

/** Central knows no stream by that name (lookup) or id (announce). */
export class StreamNotFoundError extends TrackerClientError {
  constructor(message: string, options?: ErrorOptions) {
    super(WireErrorCode.streamNotFound, message, options);
  }
}

/** Central refused the request for another reason; `code` is central's (e.g. `BAD_SIGNATURE`, `RATE_LIMITED`). */
export class CentralRefusedError extends TrackerClientError {}

/** The client was closed; no more requests. */
export class ClientClosedError extends TrackerClientError {
  constructor() {
    super('CLIENT_CLOSED', 'this TrackerClient was closed; create a new one');
  }
}

/** An argument cannot work (e.g. a central address that is not host:port). */
export class InvalidArgumentError extends TrackerClientError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

/** Central's refusal as the typed error a caller can switch on. */
export function refusalError(code: string, message: string, cause: Error): TrackerClientError {
  if (code === WireErrorCode.nameTaken) return new NameTakenError(message, { cause });
  if (code === WireErrorCode.streamNotFound) return new StreamNotFoundError(message, { cause });
  return new CentralRefusedError(code, message, { cause });
}
