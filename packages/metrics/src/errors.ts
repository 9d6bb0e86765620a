/** Stable codes of every error this package throws. */
export type HttpListenErrorCode = 'ADDRESS_IN_USE' | 'LISTEN_FAILED';

/**
 * An HTTP server could not listen. The message names the flag that chose the
 * address (`--metrics`, `--http`), so the user knows what to change; `cause` is
 * the system error.
 */
export class HttpListenError extends Error {
  readonly code: HttpListenErrorCode;
  constructor(code: HttpListenErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}
