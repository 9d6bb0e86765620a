/** Stable codes of every error this package throws. */
export type PeerServerErrorCode =
  | 'INVALID_OPTION'
  | 'NO_FREE_PORT'
  | 'LISTEN_FAILED'
  | 'STREAM_ALREADY_SERVED'
  | 'SERVER_CLOSED'
  | 'SOURCE_FAILED';

/** Base of every error this package throws; `code` is stable, `message` says what happened and what to do. */
export class PeerServerError extends Error {
  readonly code: PeerServerErrorCode;
  constructor(code: PeerServerErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An option is out of range. */
export class InvalidOptionError extends PeerServerError {
  constructor(message: string) {
    super('INVALID_OPTION', message);
  }
}

/** Every port tried was taken. */
export class NoFreePortError extends PeerServerError {
  readonly host: string;
  readonly firstPort: number;
  readonly lastPort: number;
  constructor(host: string, firstPort: number, lastPort: number, options?: ErrorOptions) {
    super(
      'NO_FREE_PORT',
      `ports ${firstPort}–${lastPort} on ${host} are all in use; choose another with --port (0 lets the system pick)`,
      options,
    );
    this.host = host;
    this.firstPort = firstPort;
    this.lastPort = lastPort;
  }
}

/** The server could not listen for a reason other than a taken port (a bad address, no permission). */
export class ListenFailedError extends PeerServerError {
  constructor(host: string, port: number, options?: ErrorOptions) {
    const why = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super('LISTEN_FAILED', `cannot listen on ${host}:${port}${why} — is ${host} an address of this machine?`, options);
  }
}

/** `serve()` was called for a stream this server already serves. */
export class StreamAlreadyServedError extends PeerServerError {
  constructor(streamId: string) {
    super('STREAM_ALREADY_SERVED', `stream ${streamId} is already served here; unserve it first`);
  }
}

/** The server was closed. */
export class ServerClosedError extends PeerServerError {
  constructor() {
    super('SERVER_CLOSED', 'this peer server is closed; start a new one');
  }
}

/** Reading the publisher's source failed (a file that vanished, a broken pipe). */
export class SourceFailedError extends PeerServerError {
  constructor(message: string, options?: ErrorOptions) {
    super('SOURCE_FAILED', message, options);
  }
}
