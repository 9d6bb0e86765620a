/** Stable codes for every error this package throws. */
export type DataErrorCode =
  | 'INVALID_OPTION'
  | 'INVALID_ARGUMENT'
  | 'INVALID_SOURCE'
  | 'INVALID_STREAM_ID'
  | 'INVALID_PUBLIC_KEY'
  | 'DATA_TOO_LARGE'
  | 'STORE_CLOSED'
  | 'KEY_FILE_EXISTS'
  | 'KEY_FILE_NOT_FOUND'
  | 'KEY_FILE_INVALID'
  | 'KEY_FILE_PERMISSIONS';

/**
 * Base of every error this package throws; `code` is stable, `message` says what
 * was wrong and, where it helps, what to do. No message ever holds key material.
 */
export class DataError extends Error {
  readonly code: DataErrorCode;
  constructor(code: DataErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An option is out of range or options contradict each other. */
export class InvalidOptionError extends DataError {
  constructor(message: string) {
    super('INVALID_OPTION', message);
  }
}

/** An argument is out of range (a negative seq, a read range that ends before it starts). */
export class InvalidArgumentError extends DataError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

/** A byte source yielded something other than bytes (a string, an object). */
export class InvalidSourceError extends DataError {
  constructor(message: string) {
    super('INVALID_SOURCE', message);
  }
}

/** A string is not a stream id: 64 lowercase hex characters. */
export class InvalidStreamIdError extends DataError {
  constructor(message: string, options?: ErrorOptions) {
    super('INVALID_STREAM_ID', message, options);
  }
}

/** Bytes are not a raw Ed25519 public key. */
export class InvalidPublicKeyError extends DataError {
  constructor(message: string, options?: ErrorOptions) {
    super('INVALID_PUBLIC_KEY', message, options);
  }
}

/** A write would take a BufferData over its `maxBytes`. */
export class DataTooLargeError extends DataError {
  constructor(message: string) {
    super('DATA_TOO_LARGE', message);
  }
}

/** A chunk store was read after `close()` (its file may be gone). */
export class StoreClosedError extends DataError {
  constructor(message: string) {
    super('STORE_CLOSED', message);
  }
}

/** A key file is already there and overwriting was not asked for. */
export class KeyFileExistsError extends DataError {
  constructor(path: string, options?: ErrorOptions) {
    super(
      'KEY_FILE_EXISTS',
      `key file ${path} already exists — load it, or pass { overwrite: true } to replace it (the old key, and the stream name it owns, are lost)`,
      options,
    );
  }
}

/** No key file at the path. */
export class KeyFileNotFoundError extends DataError {
  constructor(path: string, options?: ErrorOptions) {
    super('KEY_FILE_NOT_FOUND', `no key file at ${path} — create one with loadOrCreateStreamKey()`, options);
  }
}

/** The file is not a PKCS#8 PEM Ed25519 private key. */
export class KeyFileInvalidError extends DataError {
  constructor(path: string, reason: string, options?: ErrorOptions) {
    super('KEY_FILE_INVALID', `key file ${path} is not usable: ${reason}`, options);
  }
}

/** The key file can be read or written by others than its owner. */
export class KeyFilePermissionsError extends DataError {
  constructor(path: string, mode: number) {
    super(
      'KEY_FILE_PERMISSIONS',
      `key file ${path} has mode 0${(mode & 0o777).toString(8)}, open to others — run: chmod 600 ${path}`,
    );
  }
}
