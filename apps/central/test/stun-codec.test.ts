import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeBindingRequest, encodeBindingSuccess, STUN_MAGIC_COOKIE } from '../src/stun-codec.js';
import { bindingRequest, readMappedAddress } from './stun-messages.js';

describe('decodeBindingRequest', () => {
  it('takes a Binding Request and keeps its transaction id', () => {
    const transactionId = randomBytes(12);
    const decoded = decodeBindingRequest(bindingRequest(transactionId));
    expect(decoded).toEqual({ ok: true, request: { transactionId } });
  });

  it('takes comprehension-optional attributes it does not know (SOFTWARE, FINGERPRINT)', () => {
    const software = Buffer.from([0x80, 0x22, 0x00, 0x05, ...Buffer.from('hello'), 0, 0, 0]);
    const fingerprint = Buffer.from([0x80, 0x28, 0x00, 0x04, 1, 2, 3, 4]);
    expect(decodeBindingRequest(bindingRequest(randomBytes(12), [software, fingerprint])).ok).toBe(true);
  });

  it('does not answer a request with an attribute it would have to understand (MESSAGE-INTEGRITY)', () => {
    const integrity = Buffer.concat([Buffer.from([0x00, 0x08, 0x00, 0x14]), Buffer.alloc(20)]);
    expect(decodeBindingRequest(bindingRequest(randomBytes(12), [integrity]))).toEqual({ ok: false, reason: 'unsupported-attribute' });
  });

  it('does not answer other methods or classes: a response, an indication, an Allocate', () => {
    for (const type of [0x0101, 0x0011, 0x0003]) {
      const message = bindingRequest(randomBytes(12));
      message.writeUInt16BE(type, 0);
      expect(decodeBindingRequest(message)).toEqual({ ok: false, reason: 'not-a-binding-request' });
    }
  });

  it('drops malformed datagrams without throwing', () => {
    const valid = bindingRequest(randomBytes(12), [Buffer.from([0x80, 0x22, 0x00, 0x04, 1, 2, 3, 4])]);
    const cases: Buffer[] = [
      Buffer.alloc(0),
      Buffer.from('GET / HTTP/1.1\r\n\r\n'),
      valid.subarray(0, 19),
      valid.subarray(0, valid.length - 4), // length field says more than there is
      Buffer.concat([valid, Buffer.alloc(4)]), // more than the length field says
      withByte(valid, 4, 0x00), // wrong magic cookie
      withByte(valid, 0, 0xc0), // top bits set: not STUN
      withLength(valid, 3), // not a multiple of 4
      withAttributeLength(valid, 200), // an attribute running past the end
      Buffer.alloc(4096),
    ];
    for (const packet of cases) expect(decodeBindingRequest(packet)).toEqual({ ok: false, reason: 'malformed' });
    for (let i = 0; i < 2000; i++) expect(() => decodeBindingRequest(randomBytes(i % 80))).not.toThrow();
  });
});

describe('encodeBindingSuccess', () => {
  it('says where an IPv4 request came from, XORed with the magic cookie', () => {
    const transactionId = randomBytes(12);
    const response = encodeBindingSuccess(transactionId, '192.0.2.7', 54321);
    expect(response.readUInt16BE(0)).toBe(0x0101);
    expect(response.readUInt16BE(2)).toBe(response.length - 20);
    expect(response.readUInt32BE(4)).toBe(STUN_MAGIC_COOKIE);
    expect(response.subarray(8, 20)).toEqual(transactionId);
    // RFC 5389 §15.2: the port XOR the cookie's top 16 bits; the address XOR the cookie.
    expect(response.readUInt16BE(26)).toBe(54321 ^ 0x2112);
    expect(response.readUInt32BE(28)).toBe((((192 << 24) | (0 << 16) | (2 << 8) | 7) ^ STUN_MAGIC_COOKIE) >>> 0);
    expect(readMappedAddress(response)).toEqual({ address: '192.0.2.7', port: 54321 });
  });

  it('says where an IPv6 request came from, XORed with the cookie and the transaction id', () => {
    const transactionId = randomBytes(12);
    expect(readMappedAddress(encodeBindingSuccess(transactionId, '2001:db8::1:2', 3478))).toEqual({ address: '2001:0db8:0000:0000:0000:0000:0001:0002', port: 3478 });
    expect(readMappedAddress(encodeBindingSuccess(transactionId, '::ffff:10.0.0.1', 1))).toEqual({ address: '0000:0000:0000:0000:0000:ffff:0a00:0001', port: 1 });
  });
});

function withByte(message: Buffer, offset: number, value: number): Buffer {
  const copy = Buffer.from(message);
  copy[offset] = value;
  return copy;
}

function withLength(message: Buffer, length: number): Buffer {
  const copy = Buffer.from(message);
  copy.writeUInt16BE(length, 2);
  return copy;
}

function withAttributeLength(message: Buffer, length: number): Buffer {
  const copy = Buffer.from(message);
  copy.writeUInt16BE(length, 22);
  return copy;
}
