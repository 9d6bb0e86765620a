import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPcr, TS_PACKET_BYTES } from '@p2pstream/data';
import { afterAll, describe, expect, it } from 'vitest';
import type { PublishConfig } from '../src/cli.js';
import { defaultKeyPath } from '../src/key-path.js';
import { looksLikeMpegts, openSource } from '../src/source.js';

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
  centrals: [],
  host: '127.0.0.1',
  port: 0,
  uploadLimit: undefined,
  uploadSlots: 8,
  maxPeers: 20,
  maxServedPeers: 24,
  stats: undefined,
  ...extra,
});

describe('openSource', () => {
  it('publishes a file as a finished stream, cut on MPEG-TS packets when it is MPEG-TS', async () => {
    expect(await openSource(config(join(dir, 'clip.ts')))).toMatchObject({ live: false, chunker: { mpegts: true } });
    expect(await openSource(config(join(dir, 'notes.txt')))).toMatchObject({ live: false, chunker: { mpegts: false } });
  });

  it('paces a --realtime MPEG-TS file by its own clock, and anything else by --bitrate', async () => {
    expect(await openSource(config(join(dir, 'clip.ts'), { realtime: true }))).toMatchObject({ live: true, chunker: { mpegts: true, realtime: true } });
    const paced = await openSource(config(join(dir, 'notes.txt'), { realtime: true, bitrate: 64_000 }));
    expect(paced).toMatchObject({ live: true, chunker: { realtime: true, bitrate: 64_000 } });
    await expect(openSource(config(join(dir, 'notes.txt'), { realtime: true }))).rejects.toThrow(/--bitrate/);
  });

  it('reads stdin as live and decides how to cut it from its first bytes', async () => {
    const opened = await openSource(config('-'), (async function* () {})());
    expect(opened.live).toBe(true);
    expect(typeof opened.chunker === 'function' && opened.chunker(ts)).toEqual({ mpegts: true });
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
    const opened = await openSource(config(join(dir, 'notes.txt'), { realtime: true, bitrate: 64_000, loop: true }));
    const pieces: Uint8Array[] = [];
    for await (const piece of opened.bytes) {
      pieces.push(piece);
      if (pieces.length === 3) break;
    }
    expect(Buffer.concat(pieces).equals(Buffer.concat([notes, notes, notes]))).toBe(true);
  });
});

describe('looksLikeMpegts', () => {
  it('wants sync bytes 188 apart, allowing a start inside a packet', () => {
    expect(looksLikeMpegts(ts)).toBe(true);
    expect(looksLikeMpegts(ts.subarray(5))).toBe(true);
    expect(looksLikeMpegts(Buffer.alloc(600, 0x47 + 1))).toBe(false);
    expect(looksLikeMpegts(Buffer.alloc(10))).toBe(false);
  });
});

describe('defaultKeyPath', () => {
  it('keeps one key per name under the config directory', () => {
    expect(defaultKeyPath('cam1', { P2PSTREAM_CONFIG_DIR: '/cfg' })).toBe('/cfg/keys/cam1.key');
    expect(defaultKeyPath('cam1', { XDG_CONFIG_HOME: '/xdg' })).toBe('/xdg/p2pstream/keys/cam1.key');
  });
});
