import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BufferData, Chunker, FileData, type Data } from '../src/index.js';
import { collect, pseudoRandomBytes, sameBytes, WALL_CLOCK_START } from './helpers.js';
import { ManualClock } from '@p2pstream/units';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'p2pstream-data-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readAll(data: Data, options?: { start?: number; end?: number }): Promise<Buffer> {
  return Buffer.concat(await collect(data.read(options)));
}

async function sha256Of(pieces: AsyncIterable<Uint8Array>): Promise<{ hex: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const piece of pieces) {
    hash.update(piece);
    bytes += piece.length;
  }
  return { hex: hash.digest('hex'), bytes };
}

/** One conformance suite for both kinds of Data. */
const kinds: [string, () => Promise<Data>][] = [
  ['BufferData', async () => new BufferData()],
  ['FileData', async () => new FileData(join(dir, `conformance-${Math.random().toString(36).slice(2)}.bin`))],
];

describe.each(kinds)('%s', (_, make) => {
  it('reads back what was written, from one buffer or from pieces', async () => {
    const data = await make();
    const bytes = pseudoRandomBytes(10_000);
    expect(await data.write(bytes)).toBe(10_000);
    expect(await data.size()).toBe(10_000);
    expect(sameBytes(await readAll(data), bytes)).toBe('same');
    expect(await data.write([bytes.subarray(0, 3), bytes.subarray(3, 3), bytes.subarray(3)])).toBe(10_000);
    expect(sameBytes(await readAll(data), bytes)).toBe('same');
  });

  it('reads a range [start, end), clamping an end past the data', async () => {
    const data = await make();
    const bytes = pseudoRandomBytes(1000);
    await data.write(bytes);
    expect(sameBytes(await readAll(data, { start: 100, end: 250 }), bytes.subarray(100, 250))).toBe('same');
    expect(sameBytes(await readAll(data, { start: 990, end: 5000 }), bytes.subarray(990))).toBe('same');
    expect(await readAll(data, { start: 2000 })).toHaveLength(0);
    expect(await readAll(data, { start: 10, end: 10 })).toHaveLength(0);
  });

  it('refuses a range that ends before it starts or is not made of integers', async () => {
    const data = await make();
    await data.write(pseudoRandomBytes(10));
    await expect(collect(data.read({ start: 5, end: 4 }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(collect(data.read({ start: -1 }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(collect(data.read({ start: 0.5 }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('replaces its bytes on write and adds to them with append', async () => {
    const data = await make();
    await data.write(Buffer.from('first'));
    await data.write(Buffer.from('second'));
    await data.write(Buffer.from('+more'), { append: true });
    expect((await readAll(data)).toString()).toBe('second+more');
  });

  it('takes pieces from an async source such as a Readable', async () => {
    const data = await make();
    const file = join(dir, 'source.bin');
    const bytes = pseudoRandomBytes(200_000, 4);
    await writeFile(file, bytes);
    await data.write(createReadStream(file, { highWaterMark: 7000 }));
    expect(sameBytes(await readAll(data), bytes)).toBe('same');
  });

  it('stops a read and a write with the signal reason', async () => {
    const data = await make();
    const reason = new Error('stop');
    await expect(data.write(Buffer.from('x'), { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    await data.write(pseudoRandomBytes(100));
    await expect(collect(data.read({ signal: AbortSignal.abort(reason) }))).rejects.toBe(reason);
  });

  it('refuses a source that yields strings', async () => {
    const data = await make();
    await expect(data.write(['text'] as unknown as Uint8Array[])).rejects.toMatchObject({ code: 'INVALID_SOURCE' });
  });
});

describe('BufferData', () => {
  it('keeps its own copy of written bytes', async () => {
    const bytes = Buffer.from('abc');
    const data = new BufferData(bytes);
    bytes.fill(0x7a);
    await data.write([Buffer.from('def'), bytes], { append: true });
    bytes.fill(0x79);
    expect(Buffer.from(data.toUint8Array()).toString()).toBe('abcdefzzz');
  });

  it('refuses a write past maxBytes and keeps what it held', async () => {
    const data = new BufferData(Buffer.from('keep'), { maxBytes: 10 });
    await expect(data.write(pseudoRandomBytes(11))).rejects.toMatchObject({ code: 'DATA_TOO_LARGE' });
    await expect(data.write(pseudoRandomBytes(7), { append: true })).rejects.toMatchObject({ code: 'DATA_TOO_LARGE' });
    expect((await readAll(data)).toString()).toBe('keep');
  });
});

describe('FileData', () => {
  it('writes and reads back a 50 MB file byte-identical', async () => {
    const path = join(dir, 'fifty.bin');
    const file = new FileData(path);
    const total = 50 * 1000 * 1000;
    const block = pseudoRandomBytes(1 << 20, 11);
    const expected = createHash('sha256');
    async function* source(): AsyncGenerator<Uint8Array> {
      for (let offset = 0, i = 0; offset < total; i++) {
        // Each block differs from the last, so a misplaced block would show.
        const piece = Buffer.from(block.subarray(0, Math.min(block.length, total - offset)));
        piece.writeUInt32BE(i, 0);
        expected.update(piece);
        offset += piece.length;
        yield piece;
      }
    }
    try {
      expect(await file.write(source())).toBe(total);
      expect(await file.size()).toBe(total);
      const digest = expected.digest('hex');
      expect(await sha256Of(file.read())).toEqual({ hex: digest, bytes: total });
      expect(await sha256Of(createReadStream(path))).toEqual({ hex: digest, bytes: total });
      // And copied through memory and back to another file.
      const copy = new FileData(join(dir, 'fifty-copy.bin'), { readBytes: 1 << 20 });
      const memory = new BufferData();
      await memory.write(file.read());
      await copy.write(memory.read());
      expect(await sha256Of(copy.read())).toEqual({ hex: digest, bytes: total });
    } finally {
      await rm(path, { force: true });
      await rm(join(dir, 'fifty-copy.bin'), { force: true });
    }
  }, 30_000);

  it('reads in pieces of at most readBytes', async () => {
    const path = join(dir, 'pieces.bin');
    await writeFile(path, pseudoRandomBytes(10_000));
    const pieces = await collect(new FileData(path, { readBytes: 4096 }).read());
    expect(pieces.map((p) => p.length)).toEqual([4096, 4096, 1808]);
  });

  it('passes the file system error on for a missing file', async () => {
    await expect(new FileData(join(dir, 'missing.bin')).size()).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(collect(new FileData(join(dir, 'missing.bin')).read())).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('feeds the chunker: the chunks of a file are the file', async () => {
    const path = join(dir, 'movie.bin');
    const bytes = pseudoRandomBytes(300_000, 8);
    await writeFile(path, bytes);
    const chunks = await collect(new Chunker({ clock: new ManualClock(WALL_CLOCK_START) }).chunks(new FileData(path).read()));
    expect(chunks.map((c) => c.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(sameBytes(Buffer.concat(chunks.map((c) => c.data)), bytes)).toBe('same');
  });

  it('with reuseBuffer, reads every piece into one buffer, and a chunker that copies still cuts the file exactly', async () => {
    const path = join(dir, 'movie.bin');
    const bytes = pseudoRandomBytes(300_000, 5);
    await writeFile(path, bytes);
    const file = new FileData(path, { readBytes: 4096 });
    const buffers = new Set<ArrayBufferLike>();
    async function* watched(): AsyncGenerator<Uint8Array> {
      for await (const piece of file.read({ reuseBuffer: true })) {
        buffers.add(piece.buffer);
        yield piece;
      }
    }
    const chunks = await collect(new Chunker({ chunkBytes: 10_000, clock: new ManualClock(WALL_CLOCK_START) }).chunks(watched()));
    expect(buffers.size).toBe(1);
    expect(sameBytes(Buffer.concat(chunks.map((c) => c.data)), bytes)).toBe('same');
  });

  it('refuses a readBytes below 1', () => {
    expect(() => new FileData('x', { readBytes: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });
});
