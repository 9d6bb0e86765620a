import { generateKeyPairSync } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  generateStreamKey,
  loadOrCreateStreamKey,
  loadStreamKey,
  newSession,
  saveStreamKey,
  signChunk,
  verifyChunk,
} from '../src/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'p2pstream-data-keys-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('key files', () => {
  it('creates the key file with mode 0600', async () => {
    const path = join(dir, 'stream.key');
    await saveStreamKey(path, generateStreamKey());
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('reloads a saved key with the same stream id and a private key that still signs', async () => {
    const path = join(dir, 'stream.key');
    const key = generateStreamKey();
    await saveStreamKey(path, key);
    const loaded = await loadStreamKey(path);
    expect(loaded.streamId).toBe(key.streamId);
    const SESSION = newSession();
    const chunk = signChunk(loaded, SESSION, { seq: 0, ts: 1, data: Buffer.from('x') });
    expect(verifyChunk(key.streamId, SESSION, chunk)).toBe(true);
  });

  it('refuses to overwrite a key file unless asked, and leaves it untouched', async () => {
    const path = join(dir, 'stream.key');
    await saveStreamKey(path, generateStreamKey());
    const before = await readFile(path, 'utf8');
    const error = await saveStreamKey(path, generateStreamKey()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'KEY_FILE_EXISTS' });
    expect(await readFile(path, 'utf8')).toBe(before);
  });

  it('replaces a key file when asked to, keeping mode 0600', async () => {
    const path = join(dir, 'stream.key');
    await saveStreamKey(path, generateStreamKey());
    const replacement = generateStreamKey();
    await saveStreamKey(path, replacement, { overwrite: true });
    expect((await loadStreamKey(path)).streamId).toBe(replacement.streamId);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('creates a key on first use and loads the same key afterwards', async () => {
    const path = join(dir, 'stream.key');
    const first = await loadOrCreateStreamKey(path);
    const second = await loadOrCreateStreamKey(path);
    expect(second.streamId).toBe(first.streamId);
  });

  it('says when there is no key file', async () => {
    await expect(loadStreamKey(join(dir, 'missing.key'))).rejects.toMatchObject({ code: 'KEY_FILE_NOT_FOUND' });
  });

  it('refuses a key file that others can read', async () => {
    const path = join(dir, 'stream.key');
    await saveStreamKey(path, generateStreamKey());
    await chmod(path, 0o644);
    const error = (await loadStreamKey(path).catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ code: 'KEY_FILE_PERMISSIONS' });
    expect(error.message).toContain('chmod 600');
    expect(error.message).not.toContain((await readFile(path, 'utf8')).split('\n')[1]);
  });

  it('refuses a file that is not a PEM private key, without quoting it', async () => {
    const path = join(dir, 'stream.key');
    await writeFile(path, 'not a key at all', { mode: 0o600 });
    const error = (await loadStreamKey(path).catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ code: 'KEY_FILE_INVALID' });
    expect(error.message).not.toContain('not a key at all');
  });

  it('refuses a private key that is not Ed25519', async () => {
    const path = join(dir, 'stream.key');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await writeFile(path, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    await expect(loadStreamKey(path)).rejects.toMatchObject({ code: 'KEY_FILE_INVALID' });
  });

  it('refuses a directory or an oversized file in place of a key file', async () => {
    const sub = join(dir, 'sub');
    await mkdir(sub, { mode: 0o700 });
    await expect(loadStreamKey(sub)).rejects.toMatchObject({ code: 'KEY_FILE_INVALID' });
    const big = join(dir, 'big.key');
    await writeFile(big, Buffer.alloc(17 * 1024, 0x41), { mode: 0o600 });
    await expect(loadStreamKey(big)).rejects.toMatchObject({ code: 'KEY_FILE_INVALID' });
  });

  it('stops with the signal reason when aborted', async () => {
    const path = join(dir, 'stream.key');
    const reason = new Error('stop');
    await expect(saveStreamKey(path, generateStreamKey(), { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    await expect(loadOrCreateStreamKey(path, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });
});
