/** Central could not start; the message says what to do (which flag to change, what to start). */
export class CentralStartError extends Error {
  readonly code: 'ADDRESS_IN_USE' | 'LISTEN_FAILED' | 'REGISTRY_UNAVAILABLE' | 'STATE_FILE_INVALID' | 'STATE_FILE_UNWRITABLE' | 'WATCH_ASSETS_MISSING';
  constructor(code: CentralStartError['code'], message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}
