import { stat, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { generateStreamKey, KeyFileExistsError, KeyFileNotFoundError, loadStreamKey, saveStreamKey, type StreamKey } from '@p2pstream/data';
import { userMessage } from './user-errors.js';
import { UserError } from './usage-error.js';

/**
 * A publish's key: the one in its key file, or a new one that is written
 * only once central has accepted a publish with it — a refused publish (a
 * name taken, a source refused, central unreachable) leaves no key file behind.
 */
export interface PublishKey {
  readonly key: StreamKey;
  readonly path: string;
  /** Writes a new key to its file (mode 0600); nothing for a key that came from its file. */
  save(): Promise<void>;
}

/**
 * Loads the key at `path`, or makes a new one in memory. `ownDirectory`: the
 * directory is this program's (the default key directory) and is created at
 * save; otherwise (`--key FILE`) it must exist, checked now so the user hears
 * of it before publishing.
 */
export async function openPublishKey(path: string, ownDirectory: boolean): Promise<PublishKey> {
  try {
    const key = await loadStreamKey(path);
    return { key, path, save: async () => undefined };
  } catch (error) {
    if (!(error instanceof KeyFileNotFoundError)) throw keyFileError(path, error);
  }
  if (!ownDirectory) await mustBeDirectory(dirname(path), path);
  const key = generateStreamKey();
  return {
    key,
    path,
    save: async () => {
      try {
        if (ownDirectory) await mkdir(dirname(path), { recursive: true, mode: 0o700 });
        await saveStreamKey(path, key);
      } catch (error) {
        if (error instanceof KeyFileExistsError) {
          throw new UserError(
            `another program created the key file ${path} while this one was publishing with a new key; stop this publish and start it again to use the key in the file`,
            '',
            { cause: error },
          );
        }
        throw keyFileError(path, error);
      }
    },
  };
}

async function mustBeDirectory(directory: string, path: string): Promise<void> {
  const found = await stat(directory).catch((error: unknown) => {
    throw keyFileError(path, error);
  });
  if (!found.isDirectory()) throw new UserError(`cannot use the key file ${path}: ${directory} is not a directory`);
}

function keyFileError(path: string, error: unknown): UserError {
  return new UserError(`cannot use the key file ${path}: ${userMessage(error)}`, '', { cause: error });
}
