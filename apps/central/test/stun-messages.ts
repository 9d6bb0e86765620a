import { STUN_HEADER_BYTES, STUN_MAGIC_COOKIE } from '../src/stun-codec.js';

/** A Binding Request as a STUN client sends it, with `attributes` (each already padded) after the header. */
export function bindingRequest(transactionId: Buffer, attributes: Buffer[] = []): Buffer {
  const body = Buffer.concat(attributes);
  const header = Buffer.alloc(20);
  header.writeUInt16BE(0x0001, 0);
  header.writeUInt16BE(body.length, 2);
  header.writeUInt32BE(STUN_MAGIC_COOKIE, 4);
  transactionId.copy(header, 8);
  return Buffer.concat([header, body]);
}

/** The address and port of a Binding Success Response's XOR-MAPPED-ADDRESS, read as a client reads it. */
export function readMappedAddress(message: Uint8Array): { readonly address: string; readonly port: number } | undefined {
  const bytes = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  if (bytes.length < STUN_HEADER_BYTES || bytes.readUInt16BE(0) !== 0x0101) return undefined;
  let offset = STUN_HEADER_BYTES;
  while (offset + 4 <= bytes.length) {
    const type = bytes.readUInt16BE(offset);
    const length = bytes.readUInt16BE(offset + 2);
    if (type === 0x0020 && offset + 4 + length <= bytes.length && length >= 8) {
      const family = bytes[offset + 5];
      const port = bytes.readUInt16BE(offset + 6) ^ (STUN_MAGIC_COOKIE >>> 16);
      const size = family === 0x01 ? 4 : 16;
      if (length < 4 + size) return undefined;
      const raw = Buffer.alloc(size);
      for (let i = 0; i < size; i++) raw[i] = bytes[offset + 8 + i]! ^ bytes[4 + i]!;
      const address = size === 4 ? [...raw].join('.') : (raw.toString('hex').match(/.{4}/g) ?? []).join(':');
      return { address, port };
    }
    offset += 4 + length + ((4 - (length % 4)) % 4);
  }
  return undefined;
}

