import { isIPv4, isIPv6 } from 'node:net';

/**
 * The one STUN exchange central takes part in (RFC 5389): a Binding Request in, a Binding
 * Success Response with the XOR-MAPPED-ADDRESS the request came from out. That is all a WebRTC
 * peer needs from a STUN server to learn its address as seen from outside its NAT (its
 * `srflx` candidate). Everything else — other methods, responses, indications, requests
 * carrying attributes central would have to understand (MESSAGE-INTEGRITY, unknown
 * comprehension-required ones) — is not answered.
 */

export const STUN_HEADER_BYTES = 20;
export const STUN_MAGIC_COOKIE = 0x2112a442;
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS_RESPONSE = 0x0101;
const XOR_MAPPED_ADDRESS = 0x0020;
const FAMILY_IPV4 = 0x01;
const FAMILY_IPV6 = 0x02;
/** Attribute types below this must be understood by the receiver (RFC 5389 §15). */
const COMPREHENSION_OPTIONAL_FROM = 0x8000;
/** A Binding Request needs no more; a larger datagram is not one central answers. */
export const MAX_STUN_REQUEST_BYTES = 548;

/** A Binding Request worth answering: its transaction id, echoed in the response. */
export interface StunBindingRequest {
  readonly transactionId: Buffer;
}

/** Why a datagram got no answer (counted, never thrown: a malformed datagram costs nothing). */
export type StunDropReason = 'malformed' | 'not-a-binding-request' | 'unsupported-attribute';

export type StunDecoded = { readonly ok: true; readonly request: StunBindingRequest } | { readonly ok: false; readonly reason: StunDropReason };

/** Reads a datagram as a Binding Request; never throws, whatever the bytes. */
export function decodeBindingRequest(packet: Uint8Array): StunDecoded {
  if (packet.length < STUN_HEADER_BYTES || packet.length > MAX_STUN_REQUEST_BYTES) return drop('malformed');
  const bytes = Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength);
  const type = bytes.readUInt16BE(0);
  const length = bytes.readUInt16BE(2);
  // The two top bits of every STUN message are zero, the length counts the attributes only
  // and is a multiple of 4, and the cookie tells STUN from other protocols on the port.
  if ((type & 0xc000) !== 0 || length % 4 !== 0 || length !== bytes.length - STUN_HEADER_BYTES) return drop('malformed');
  if (bytes.readUInt32BE(4) !== STUN_MAGIC_COOKIE) return drop('malformed');
  if (type !== BINDING_REQUEST) return drop('not-a-binding-request');

  let offset = STUN_HEADER_BYTES;
  while (offset < bytes.length) {
    if (offset + 4 > bytes.length) return drop('malformed');
    const attributeType = bytes.readUInt16BE(offset);
    const attributeLength = bytes.readUInt16BE(offset + 2);
    const padded = attributeLength + ((4 - (attributeLength % 4)) % 4);
    if (offset + 4 + padded > bytes.length) return drop('malformed');
    // Central understands no attribute of a request; a comprehension-required one (such as
    // MESSAGE-INTEGRITY, which needs credentials central does not have) cannot be ignored.
    if (attributeType < COMPREHENSION_OPTIONAL_FROM) return drop('unsupported-attribute');
    offset += 4 + padded;
  }
  return { ok: true, request: { transactionId: Buffer.from(bytes.subarray(8, STUN_HEADER_BYTES)) } };
}

/** The Binding Success Response telling the sender at `address`:`port` where its request came from. */
export function encodeBindingSuccess(transactionId: Uint8Array, address: string, port: number): Buffer {
  if (transactionId.length !== 12) throw new RangeError(`a STUN transaction id is 12 bytes, not ${transactionId.length}`);
  const ipv4 = isIPv4(address);
  if (!ipv4 && !isIPv6(address)) throw new RangeError(`not an IP address: "${address}"`);
  const addressBytes = ipv4 ? ipv4Bytes(address) : ipv6Bytes(address);
  const attributeLength = 4 + addressBytes.length;
  const message = Buffer.alloc(STUN_HEADER_BYTES + 4 + attributeLength);
  message.writeUInt16BE(BINDING_SUCCESS_RESPONSE, 0);
  message.writeUInt16BE(4 + attributeLength, 2);
  message.writeUInt32BE(STUN_MAGIC_COOKIE, 4);
  Buffer.from(transactionId).copy(message, 8);

  message.writeUInt16BE(XOR_MAPPED_ADDRESS, 20);
  message.writeUInt16BE(attributeLength, 22);
  message.writeUInt8(0, 24);
  message.writeUInt8(ipv4 ? FAMILY_IPV4 : FAMILY_IPV6, 25);
  message.writeUInt16BE(port ^ (STUN_MAGIC_COOKIE >>> 16), 26);
  // The address is XORed with the cookie (and for IPv6 the transaction id after it), so NATs
  // that rewrite addresses they find in payloads leave it alone.
  const mask = message.subarray(4, 4 + addressBytes.length);
  for (let i = 0; i < addressBytes.length; i++) message[28 + i] = addressBytes[i]! ^ mask[i]!;
  return message;
}

function drop(reason: StunDropReason): StunDecoded {
  return { ok: false, reason };
}

function ipv4Bytes(address: string): Buffer {
  return Buffer.from(address.split('.').map(Number));
}

/** The 16 bytes of an IPv6 address in any written form (`::` runs, an IPv4 tail). */
function ipv6Bytes(address: string): Buffer {
  const unzoned = address.split('%')[0]!;
  const [head, tail] = unzoned.includes('::') ? unzoned.split('::') : [unzoned, undefined];
  const groups = (part: string | undefined) => (part ? part.split(':') : []).flatMap((group) =>
    isIPv4(group) ? [((ipv4Bytes(group)[0]! << 8) | ipv4Bytes(group)[1]!).toString(16), ((ipv4Bytes(group)[2]! << 8) | ipv4Bytes(group)[3]!).toString(16)] : [group],
  );
  const front = groups(head);
  const back = groups(tail);
  const all = tail === undefined ? front : [...front, ...Array<string>(8 - front.length - back.length).fill('0'), ...back];
  const result = Buffer.alloc(16);
  all.forEach((group, index) => result.writeUInt16BE(Number.parseInt(group, 16), index * 2));
  return result;
}
