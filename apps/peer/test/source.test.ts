import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPcr, TS_PACKET_BYTES } from '@p2pstream/data';
import { afterAll, describe, expect, it } from 'vitest';
import type { PublishConfig } from '../src/cli.js';
import { defaultKeyPath } from '../src/key-path.js';
import { NotMpegTsError, SourceEmptyError } from '../src/source-errors.js';
import { openSource } from '../src/source.js';

/** 20 s of MPEG-TS with PCR, PTS and DTS (tools/fixtures/README.md). */
const FIXTURE = join(import.meta.dirname, '../../../tools/fixtures/test-stream.mpegts');

const dir = mkdtempSync(join(tmpdir(), 'p2pstream-peer-source-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ts = Buffer.alloc(188 * 4, 0x11);
for (let k = 0; k < 4; k++) ts[k * 188] = 0x47;
writeFileSync(join(dir, 'clip.ts'), ts);
writeFileSync(join(dir, 'notes.txt'), 'not a video at all, just words '.repeat(40));
writeFileSync(join(dir, 'empty.ts'), '');

const config = (source: string, extra: Partial<PublishConfig> = {}): PublishConfig => ({
  command: 'publish',
  name: 'x',
  source,
  realtime: false,
  bitrate: undefined,
  loop: false,
  key: undefined,
  format: 'ts',
  centrals: [],
  host: '127.0.0.1',
  port: 0,
  uploadLimit: undefined,
  uploadSlots: 8,
  maxUploadQueueMs: 500,
  maxPeers: 20,
  maxServedPeers: 24,
  addressLimits: {},
  stats: undefined,
  ...extra,
});

describe('openSource', () => {
  it('publishes a file as a finished stream, cut on MPEG-TS packets', async () => {
    expect(await openSource(config(join(dir, 'clip.ts')))).toMatchObject({ live: false, chunker: { mpegts: true } });
  });

  it("cuts a finished file at --chunk-size, and at the Chunker's default without it", async () => {
    expect(await openSource(config(join(dir, 'notes.txt'), { format: 'raw', chunkBytes: 256 * 1024 }))).toMatchObject({ chunker: { chunkBytes: 256 * 1024 } });
    expect((await openSource(config(join(dir, 'notes.txt'), { format: 'raw' }))).chunker).not.toHaveProperty('chunkBytes');
  });

  it('refuses a file that is not MPEG-TS, saying how to convert it or to pass --format raw', async () => {
    const refused = openSource(config(join(dir, 'notes.txt')));
    await expect(refused).rejects.toBeInstanceOf(NotMpegTsError);
    await expect(refused).rejects.toMatchObject({ code: 'NOT_MPEG_TS', message: expect.stringMatching(/notes\.txt is not MPEG-TS.*ffmpeg.*--format raw/) });
  });

  it('publishes any file with --format raw, as bytes cut anywhere', async () => {
    expect(await openSource(config(join(dir, 'notes.txt'), { format: 'raw' }))).toMatchObject({ live: false, chunker: { mpegts: false } });
    expect(await openSource(config(join(dir, 'clip.ts'), { format: 'raw' }))).toMatchObject({ live: false, chunker: { mpegts: false } });
  });

  it('paces a --realtime MPEG-TS file by its own clock, and --format raw by --bitrate', async () => {
    expect(await openSource(config(join(dir, 'clip.ts'), { realtime: true }))).toMatchObject({ live: true, chunker: { mpegts: true, realtime: true } });
    const paced = await openSource(config(join(dir, 'notes.txt'), { realtime: true, bitrate: 64_000, format: 'raw' }));
    expect(paced).toMatchObject({ live: true, chunker: { realtime: true, bitrate: 64_000 } });
    await expect(openSource(config(join(dir, 'notes.txt'), { realtime: true, format: 'raw' }))).rejects.toThrow(/--bitrate/);
    await expect(openSource(config(join(dir, 'notes.txt'), { realtime: true, bitrate: 64_000 }))).rejects.toBeInstanceOf(NotMpegTsError);
  });

  it('reads stdin as live, cut on MPEG-TS packets once its first bytes show it is MPEG-TS', async () => {
    const opened = await openSource(config('-'), (async function* () {})());
    expect(opened.live).toBe(true);
    expect(typeof opened.chunker === 'function' && opened.chunker(ts)).toEqual({ mpegts: true });
  });

  it('refuses stdin that ends at once, or whose first bytes are not MPEG-TS unless --format raw', async () => {
    const decide = async (head: Uint8Array, format: 'ts' | 'raw' = 'ts') => {
      const { chunker } = await openSource(config('-', { format }), (async function* () {})());
      if (typeof chunker !== 'function') throw new Error('stdin should be decided from its first bytes');
      return chunker(head);
    };
    await expect(decide(new Uint8Array(0))).rejects.toBeInstanceOf(SourceEmptyError);
    await expect(decide(new Uint8Array(0), 'raw')).rejects.toMatchObject({ code: 'SOURCE_EMPTY', message: expect.stringMatching(/stdin ended before any data/) });
    await expect(decide(readFileSync(join(dir, 'notes.txt')))).rejects.toMatchObject({ code: 'NOT_MPEG_TS', message: expect.stringMatching(/^stdin is not MPEG-TS/) });
    await expect(decide(readFileSync(join(dir, 'notes.txt')), 'raw')).resolves.toEqual({ mpegts: false });
  });

  it('says why a source cannot be read', async () => {
    await expect(openSource(config(join(dir, 'missing.ts')))).rejects.toThrow(/cannot read --source .*ENOENT/);
    await expect(openSource(config(join(dir, 'empty.ts')))).rejects.toThrow(/is empty/);
    await expect(openSource(config(dir))).rejects.toThrow(/not a file/);
  });

  it('plays a looped file again from the start', async () => {
    const opened = await openSource(config(join(dir, 'clip.ts'), { realtime: true, loop: true }));
    let bytes = 0;
    for await (const piece of opened.bytes) {
      bytes += piece.length;
      if (bytes > 3 * ts.length) break;
    }
    expect(bytes).toBeGreaterThan(3 * ts.length);
  });

  it('plays a looped MPEG-TS file on with its clock going forward, not back to the start', async () => {
    const fileBytes = readFileSync(FIXTURE).length;
    const opened = await openSource(config(FIXTURE, { realtime: true, loop: true }));
    const pieces: Uint8Array[] = [];
    let bytes = 0;
    for await (const piece of opened.bytes) {
      pieces.push(piece);
      bytes += piece.length;
      if (bytes > 2.5 * fileBytes) break;
    }
    const all = Buffer.concat(pieces);
    const pcrs: number[] = [];
    for (let at = 0; at + TS_PACKET_BYTES <= all.length; at += TS_PACKET_BYTES) {
      const pcr = readPcr(all, at);
      if (pcr !== undefined) pcrs.push(pcr.ticks);
    }
    expect(pcrs.length).toBeGreaterThan(0);
    for (let i = 1; i < pcrs.length; i++) expect(pcrs[i]!, `PCR ${i}`).toBeGreaterThan(pcrs[i - 1]!);
  });

  it('plays a looped file that is not MPEG-TS again byte for byte', async () => {
    const notes = readFileSync(join(dir, 'notes.txt'));
    const opened = await openSource(config(join(dir, 'notes.txt'), { realtime: true, bitrate: 64_000, loop: true, format: 'raw' }));
    const pieces: Uint8Array[] = [];
    for await (const piece of opened.bytes) {
      pieces.push(piece);
      if (pieces.length === 3) break;
    }
    expect(Buffer.concat(pieces).equals(Buffer.concat([notes, notes, notes]))).toBe(true);
  });
});

describe('defaultKeyPath', () => {
  it('keeps one key per name under the config directory', () => {
    expect(defaultKeyPath('cam1', { P2PSTREAM_CONFIG_DIR: '/cfg' })).toBe('/cfg/keys/cam1.key');
    expect(defaultKeyPath('cam1', { XDG_CONFIG_HOME: '/xdg' })).toBe('/xdg/p2pstream/keys/cam1.key');
  });
});
