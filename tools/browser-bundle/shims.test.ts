import { Buffer as NodeBuffer, isUtf8 as nodeIsUtf8 } from 'node:buffer';
import { isIP as nodeIsIP, isIPv6 as nodeIsIPv6 } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isUtf8 } from './shims/buffer.js';
import { isIP, isIPv6 } from './shims/net.js';
import { latin1Slice, utf8Slice } from './shims/string-slices.js';

// The shims stand in for Node's functions in a page; here they must give Node's answers.

describe('the browser shims answer as Node does', () => {
  it('isIP and isIPv6, on addresses and near-addresses', () => {
    const inputs = [
      '127.0.0.1', '0.0.0.0', '255.255.255.255', '256.1.1.1', '1.2.3', '01.2.3.4', '1.2.3.4.', ' 1.2.3.4', '1.2.3.4 ',
      '::', '::1', 'fe80::1', '2001:db8::8a2e:370:7334', '::ffff:192.0.2.1', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', ':::',
      '1::2::3', 'g::1', '[::1]', '::1]/x?[', 'localhost', 'example.com', '', '1.2.3.4:80', '12345::',
    ];
    for (const input of inputs) {
      expect(isIP(input), input).toBe(nodeIsIP(input));
      expect(isIPv6(input), input).toBe(nodeIsIPv6(input));
    }
  });

  it('isUtf8, on valid text, overlong forms, surrogates and truncated sequences', () => {
    const inputs = [
      NodeBuffer.from('plain ascii'), NodeBuffer.from('héllo wörld — ✓ 𝄞'), Uint8Array.of(0xc0, 0xaf), Uint8Array.of(0xed, 0xa0, 0x80),
      Uint8Array.of(0xe2, 0x82), Uint8Array.of(0xff), Uint8Array.of(0xef, 0xbb, 0xbf, 0x41), new Uint8Array(0),
    ];
    for (const bytes of inputs) expect(isUtf8(bytes), NodeBuffer.from(bytes).toString('hex')).toBe(nodeIsUtf8(bytes));
  });

  it("latin1Slice and utf8Slice read any Uint8Array's range as Node's do", () => {
    const latin1 = Uint8Array.from({ length: 20_000 }, (_, i) => i % 256);
    expect(latin1Slice.call(latin1, 3, 19_999)).toBe(NodeBuffer.from(latin1).toString('latin1', 3, 19_999));
    const utf8 = new Uint8Array(NodeBuffer.from('xx ✓ 𝄞 text yy'));
    expect(utf8Slice.call(utf8, 2, utf8.length - 2)).toBe(NodeBuffer.from(utf8).toString('utf8', 2, utf8.length - 2));
  });
});
