import { get, type IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpOutput, packetBoundary, STREAM_PATH } from '../src/http-output.js';

const outputs: HttpOutput[] = [];
afterEach(async () => {
  await Promise.all(outputs.splice(0).map((output) => output.close()));
});

async function start(): Promise<HttpOutput> {
  const output = await HttpOutput.listen('127.0.0.1', 0);
  outputs.push(output);
  return output;
}

/** `count` MPEG-TS packets, packet k filled with `seed + k`. */
function packets(count: number, seed: number): Buffer {
  const bytes = Buffer.alloc(count * 188);
  for (let k = 0; k < count; k++) {
    bytes.fill((seed + k) & 0xff, k * 188, (k + 1) * 188);
    bytes[k * 188] = 0x47;
  }
  return bytes;
}

/** Opens the stream and collects what arrives. */
async function play(output: HttpOutput, path = STREAM_PATH) {
  const response = await new Promise<IncomingMessage>((resolve, reject) => get(`http://127.0.0.1:${output.port}${path}`, resolve).once('error', reject));
  const pieces: Buffer[] = [];
  response.on('data', (piece: Buffer) => pieces.push(piece));
  const ended = new Promise<void>((resolve) => response.once('end', resolve));
  return { response, ended, bytes: () => Buffer.concat(pieces) };
}

async function waitUntil(check: () => boolean): Promise<void> {
  for (let i = 0; i < 600 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(check()).toBe(true);
}

describe('HttpOutput', () => {
  it('serves the stream as MPEG-TS to several players at once, each from a packet boundary', async () => {
    const output = await start();
    const first = await play(output);
    expect(first.response.statusCode).toBe(200);
    expect(first.response.headers['content-type']).toBe('video/mp2t');
    await waitUntil(() => output.clients === 1);
    const chunk1 = packets(3, 1);
    output.write(chunk1);
    const second = await play(output);
    await waitUntil(() => output.clients === 2);
    // A chunk that starts mid-packet: the newcomer starts at its first whole packet.
    const chunk2 = Buffer.concat([Buffer.alloc(50, 9), packets(2, 7)]);
    output.write(chunk2);
    await output.close();
    await Promise.all([first.ended, second.ended]);
    expect(first.bytes().equals(Buffer.concat([chunk1, chunk2]))).toBe(true);
    expect(second.bytes().equals(chunk2.subarray(50))).toBe(true);
  });

  it('forgets a player that goes away', async () => {
    const output = await start();
    const player = await play(output);
    await waitUntil(() => output.clients === 1);
    player.response.destroy();
    await waitUntil(() => output.clients === 0);
    expect(output.write(packets(1, 0))).toBeUndefined();
  });

  it('makes a finished stream wait for a player before writing', async () => {
    const output = await start();
    output.live = false;
    let written = false;
    const writing = Promise.resolve(output.write(packets(2, 3))).then(() => (written = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(written).toBe(false);
    const player = await play(output);
    await writing;
    await output.close();
    await player.ended;
    expect(player.bytes().equals(packets(2, 3))).toBe(true);
  });

  it('answers 404 off the stream path, and points to it from /', async () => {
    const output = await start();
    expect((await play(output, '/other')).response.statusCode).toBe(404);
    const index = await play(output, '/');
    await index.ended;
    expect(index.bytes().toString()).toContain(STREAM_PATH);
  });

  it('says the port is in use in words', async () => {
    const output = await start();
    await expect(HttpOutput.listen('127.0.0.1', output.port)).rejects.toThrow(/in use/);
  });
});

describe('packetBoundary', () => {
  it('finds the first sync byte that is followed by more packets', () => {
    expect(packetBoundary(packets(3, 0))).toBe(0);
    const shifted = Buffer.concat([Buffer.from([0x47, 1, 2]), packets(3, 0)]);
    expect(packetBoundary(shifted)).toBe(3);
    expect(packetBoundary(Buffer.alloc(100, 1))).toBe(-1);
  });
});
