import { describe, expect, it } from 'vitest';
import { ERROR_CODE_PATTERN, validateMessage, WireErrorCode } from '../src/index.js';

describe('the wire error code catalogue', () => {
  const codes = Object.values(WireErrorCode);

  it('holds only codes the other side accepts in an error frame', () => {
    for (const code of codes) {
      expect(() => validateMessage({ t: 'error', code, message: 'refused' }, { maxChunkBytes: 0 }), code).not.toThrow();
      expect(code).toMatch(ERROR_CODE_PATTERN);
    }
  });

  it('names each code once', () => {
    expect(new Set(codes).size).toBe(codes.length);
  });
});
