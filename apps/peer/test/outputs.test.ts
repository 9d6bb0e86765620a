import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpOutput } from '../src/http-output.js';
import { Outputs } from '../src/outputs.js';
import { StartSink } from '../src/start-sink.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'outputs-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('--out FILE as the place a finished stream is kept', () => {
  it('offers a regular file, and says where each write landed once it is there', async () => {
    const path = join(dir, 'film.ts');
    const outputs = await Outputs.open(path, undefined);
    expect(outputs.filePath).toBe(path);
    const sink = new StartSink(outputs, undefined);
    sink.passThrough = true;
    expect(sink.filePath).toBe(path);
    const places: Array<[number, string]> = [];
    const record = (position: number) => places.push([position, readFileSync(path, 'latin1').slice(position, position + 3)]);
    await sink.write(Buffer.from('abc'), record);
    await sink.write(Buffer.from('defg'), record);
    await outputs.close();
    expect(places).toEqual([
      [0, 'abc'],
      [3, 'def'],
    ]);
  });

  it('says a write is done once the file has it, but never while players over HTTP, or finding a start point, may keep the bytes', async () => {
    const path = join(dir, 'film.ts');
    const fileOnly = await Outputs.open(path, undefined);
    const done: string[] = [];
    await new Promise<void>((resolve) => {
      void fileOnly.write(Buffer.from('abc'), undefined, () => {
        done.push('file');
        resolve();
      });
    });
    expect(readFileSync(path, 'latin1')).toBe('abc');
    await new StartSink(fileOnly, 90_000).write(Buffer.from('not TS'), undefined, () => done.push('start point'));
    await fileOnly.close();
    const withPlayers = await Outputs.open(join(dir, 'other.ts'), new HttpOutput());
    await withPlayers.write(Buffer.from('abc'), undefined, () => done.push('http'));
    await withPlayers.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(done).toEqual(['file']);
  });

  it('offers no file for stdout, a device, or a stream cut to start at --from', async () => {
    expect((await Outputs.open('-', undefined)).filePath).toBeUndefined();
    const device = await Outputs.open('/dev/null', undefined);
    expect(device.filePath).toBeUndefined();
    await device.close();
    const file = await Outputs.open(join(dir, 'film.ts'), undefined);
    expect(new StartSink(file, 90_000).filePath).toBeUndefined();
    await file.close();
  });
});
