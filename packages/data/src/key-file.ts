import { createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { KEY_FILE_MODE, MAX_KEY_FILE_BYTES } from './constants.js';
import {
  KeyFileExistsError,
  KeyFileInvalidError,
  KeyFileNotFoundError,
  KeyFilePermissionsError,
} from './errors.js';
import { generateStreamKey, StreamKey } from './stream-key.js';

export interface SaveStreamKeyOptions {
  /**
   * Replace a key file that is already there (atomically: the new key is written
   * beside it and renamed over it). Without it, an existing file is an error.
   * @default false
   */
  overwrite?: boolean;
  signal?: AbortSignal;
}

export interface LoadStreamKeyOptions {
  signal?: AbortSignal;
}

/**
 * Writes the private key as PKCS#8 PEM to a new file readable by its owner only
 * (mode 0600, whatever the umask). Refuses to replace a file unless told to.
 */
export async function saveStreamKey(path: string, key: StreamKey, options: SaveStreamKeyOptions = {}): Promise<void> {
  options.signal?.throwIfAborted();
  const pem = key.privateKey.export({ format: 'pem', type: 'pkcs8' });
  if (!options.overwrite) {
    await writeNewFile(path, pem, options.signal);
    return;
  }
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeNewFile(temporary, pem, options.signal);
  try {
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

/**
 * Reads a key file written by saveStreamKey (or `openssl genpkey -algorithm ed25519`).
 * Refuses a file that others may read or write, like ssh does.
 */
export async function loadStreamKey(path: string, options: LoadStreamKeyOptions = {}): Promise<StreamKey> {
  options.signal?.throwIfAborted();
  let file;
  try {
    file = await open(path, 'r');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) throw new KeyFileNotFoundError(path, { cause: error });
    throw error;
  }
  let text: string;
  try {
    // Checked on the open file, so the file checked is the file read.
    const stats = await file.stat();
    if (!stats.isFile()) throw new KeyFileInvalidError(path, 'it is not a regular file');
    if (stats.size > MAX_KEY_FILE_BYTES) throw new KeyFileInvalidError(path, `it is larger than ${MAX_KEY_FILE_BYTES} bytes`);
    if (process.platform !== 'win32' && (stats.mode & 0o077) !== 0) throw new KeyFilePermissionsError(path, stats.mode);
    options.signal?.throwIfAborted();
    text = await file.readFile({ encoding: 'utf8', signal: options.signal });
  } finally {
    await file.close();
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: text, format: 'pem' });
  } catch (error) {
    throw new KeyFileInvalidError(path, 'it is not a PEM private key', { cause: error });
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new KeyFileInvalidError(path, `it holds a ${privateKey.asymmetricKeyType ?? 'non-asymmetric'} key, not an Ed25519 key`);
  }
  return new StreamKey(privateKey);
}

/** Loads the key file, or creates it with a new key when there is none. */
export async function loadOrCreateStreamKey(path: string, options: LoadStreamKeyOptions = {}): Promise<StreamKey> {
  try {
    return await loadStreamKey(path, options);
  } catch (error) {
    if (!(error instanceof KeyFileNotFoundError)) throw error;
  }
  const key = generateStreamKey();
  try {
    await saveStreamKey(path, key, { signal: options.signal });
    return key;
  } catch (error) {
    // Another process created it between our load and our save: theirs wins.
    if (error instanceof KeyFileExistsError) return loadStreamKey(path, options);
    throw error;
  }
}

async function writeNewFile(path: string, contents: string | Buffer, signal: AbortSignal | undefined): Promise<void> {
  let file;
  try {
    file = await open(path, 'wx', KEY_FILE_MODE);
  } catch (error) {
    if (isErrno(error, 'EEXIST')) throw new KeyFileExistsError(path, { cause: error });
    throw error;
  }
  try {
    // The umask may have taken bits away from the mode given to open; make it exact.
    await file.chmod(KEY_FILE_MODE);
    await file.writeFile(contents, { signal });
    await file.sync();
  } catch (error) {
    await file.close().catch(() => undefined);
    await unlink(path).catch(() => undefined);
    throw error;
  }
  await file.close();
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
