import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { PUBLIC_KEY_BYTES, STREAM_ID_PATTERN } from './constants.js';
import { InvalidArgumentError, InvalidPublicKeyError, InvalidStreamIdError } from './errors.js';

/**
 * A publisher's identity: an Ed25519 key pair. The stream id is the raw public
 * key in hex. Printing, logging or JSON-encoding a StreamKey shows only its
 * stream id; the private key stays inside its KeyObject.
 */
export class StreamKey {
  /** The raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** `publicKey` as 64 lowercase hex characters. */
  readonly streamId: string;
  readonly privateKey: KeyObject;

  constructor(privateKey: KeyObject) {
    if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
      throw new InvalidArgumentError(`a StreamKey needs an Ed25519 private key, got a ${privateKey.asymmetricKeyType ?? privateKey.type} key`);
    }
    this.privateKey = privateKey;
    this.publicKey = rawPublicKey(createPublicKey(privateKey));
    this.streamId = streamIdOf(this.publicKey);
  }

  toString(): string {
    return `StreamKey(${this.streamId})`;
  }

  toJSON(): { streamId: string } {
    return { streamId: this.streamId };
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** A new random stream key. */
export function generateStreamKey(): StreamKey {
  return new StreamKey(generateKeyPairSync('ed25519').privateKey);
}

/** The stream id of a raw 32-byte Ed25519 public key. */
export function streamIdOf(rawPublicKey: Uint8Array): string {
  if (!(rawPublicKey instanceof Uint8Array) || rawPublicKey.length !== PUBLIC_KEY_BYTES) {
    throw new InvalidPublicKeyError(`a raw Ed25519 public key is ${PUBLIC_KEY_BYTES} bytes`);
  }
  return Buffer.from(rawPublicKey.buffer, rawPublicKey.byteOffset, rawPublicKey.length).toString('hex');
}

/**
 * The first 16 hex digits of a stream id in groups of four (`0123 4567 89ab cdef`): short
 * enough for a person to compare two publishers' keys on a page; '' for ''.
 */
export function streamFingerprint(streamId: string): string {
  return (streamId.slice(0, 16).match(/.{1,4}/g) ?? []).join(' ');
}

/** The raw public key a stream id stands for. */
export function publicKeyOf(streamId: string): Uint8Array {
  if (typeof streamId !== 'string' || !STREAM_ID_PATTERN.test(streamId)) {
    throw new InvalidStreamIdError('a stream id is 64 lowercase hex characters (the raw Ed25519 public key)');
  }
  return Buffer.from(streamId, 'hex');
}

/** Imports a raw Ed25519 public key for verification. */
export function importPublicKey(raw: Uint8Array): KeyObject {
  if (!(raw instanceof Uint8Array) || raw.length !== PUBLIC_KEY_BYTES) {
    throw new InvalidPublicKeyError(`a raw Ed25519 public key is ${PUBLIC_KEY_BYTES} bytes`);
  }
  const x = Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('base64url');
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
  } catch (error) {
    throw new InvalidPublicKeyError('the bytes are not an Ed25519 public key', { cause: error });
  }
}

function rawPublicKey(publicKey: KeyObject): Uint8Array {
  // JWK is the one export format that gives the raw 32 bytes without parsing DER.
  const { x } = publicKey.export({ format: 'jwk' });
  return Buffer.from(x as string, 'base64url');
}
