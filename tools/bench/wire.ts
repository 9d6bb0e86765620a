/**
 * `npm run bench:wire` — measures encode+decode throughput against baselines run
 * in this process, then fuzzes the frame decoder with 1,000,000 mutated frames:
 *   chunk frames (64 KiB payload) in one read vs a memcpy (`Uint8Array.set`) of the
 *   payload, and split over two reads vs a copy of it into a new buffer;
 *   control messages (every type, and the per-chunk ones alone) vs `JSON.stringify` +
 *   `JSON.parse` of the same objects with the same length prefix.
 * Options: --cases N (fuzz cases, default 1000000), --seconds S (time per throughput
 * measurement, default 2), --help.
 */
import { parseInteger, parsePositive } from '@p2pstream/units';
import { encodeFrame, encodeFrameParts, FrameDecoder, WireError, type Message } from '@p2pstream/wire';
import { ALL_SAMPLES, mutateFrame, seededRandom } from '@p2pstream/wire/testing';
import { copyToNewBufferRound, interleave, jsonRound, memcpyRound, timeSlice } from './baselines.mjs';
import { parseBenchArgs } from './command-line.js';

const USAGE = `Usage: npm run bench:wire -- [options]

Encode+decode throughput of @p2pstream/wire against baselines in this process (64 KiB chunk
frames vs memcpy and a copy into a new buffer, control messages vs JSON), then fuzzes the
frame decoder with mutated frames; prints JSON lines and PASS/FAIL per target, exits 1 on a FAIL.

  --cases N              mutated frames fed to the decoder (default 1000000)
  --seconds S            time per throughput measurement (default 2)
  -h, --help             show this help
`;

const { fuzzCases, seconds } = parseBenchArgs(
  USAGE,
  { cases: { type: 'string', default: '1000000' }, seconds: { type: 'string', default: '2' } },
  (values) => ({ fuzzCases: parseInteger('--cases', values.cases, 0, 1e9), seconds: parsePositive('--seconds', values.seconds) }),
);

function fuzz(): { cases: number; refused: number; decoded: number; crashes: number; peakRssMiB: number } {
  const random = seededRandom(1);
  const frames = ALL_SAMPLES.map((message) =>
    encodeFrame(message.t === 'chunk' ? { ...message, data: Buffer.alloc(2048, 1) } : message),
  );
  let refused = 0;
  let decoded = 0;
  let crashes = 0;
  let peakRss = process.memoryUsage.rss();
  for (let i = 0; i < fuzzCases; i++) {
    const input = mutateFrame(frames, random);
    const decoder = new FrameDecoder();
    try {
      const cut = Math.floor(random() * (input.length + 1));
      for (const _ of decoder.push(input.subarray(0, cut))) decoded += 1;
      for (const _ of decoder.push(input.subarray(cut))) decoded += 1;
      decoder.end();
    } catch (error) {
      if (error instanceof WireError) refused += 1;
      else {
        crashes += 1;
        if (crashes <= 5) console.error(`crash on case ${i}:`, error);
      }
    }
    if (i % 10_000 === 0) peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }
  return { cases: fuzzCases, refused, decoded, crashes, peakRssMiB: Math.round(peakRss / 2 ** 20) };
}

const collectGarbage = (globalThis as { gc?: () => void }).gc ?? (() => {});
if (!(globalThis as { gc?: unknown }).gc) console.error('bench: run with --expose-gc for fair timings (npm run bench:wire does)');

/**
 * Rounds per second of `baseline` and `subject`, measured in alternating 50 ms
 * slices so that load from elsewhere on a shared machine hits both alike.
 */
function compare(baseline: () => void, subject: () => void): { baseline: number; subject: number; ratio: number } {
  for (let i = 0; i < 500; i++) {
    baseline();
    subject();
  }
  const totals = { baseline: [0, 0], subject: [0, 0] };
  const slices = Math.max(2, Math.round((seconds * 1000) / 100));
  for (let i = 0; i < slices; i++) {
    const [br, bns] = timeSlice(baseline, collectGarbage);
    const [sr, sns] = timeSlice(subject, collectGarbage);
    totals.baseline[0] += br;
    totals.baseline[1] += bns;
    totals.subject[0] += sr;
    totals.subject[1] += sns;
  }
  const perSecond = ([rounds, ns]: number[]) => rounds! / (ns! / 1e9);
  const baselineRate = perSecond(totals.baseline);
  const subjectRate = perSecond(totals.subject);
  return { baseline: baselineRate, subject: subjectRate, ratio: +(subjectRate / baselineRate).toFixed(2) };
}

function chunkThroughput() {
  const payload = Buffer.alloc(64 * 1024, 0x47);
  const message: Message = { t: 'chunk', re: 1, seq: 1234, ts: Date.now(), sig: Buffer.alloc(64, 9), data: payload };
  const memcpy = memcpyRound(payload);
  const copyToNewBuffer = copyToNewBufferRound(payload);
  const decoder = new FrameDecoder();
  const [head, body] = encodeFrameParts(message);
  // The frame as one socket read holds it (the kernel's copy is not the codec's work):
  // a dialed connection grows its read buffers so that most chunk frames land whole.
  const inOneRead = Buffer.concat([head!, body!]);
  // Encode (the header: the payload is written as given) + decode in place.
  const oneReadRound = () => {
    encodeFrameParts(message);
    for (const _ of decoder.push(inOneRead));
  };
  // Encode + decode of a frame split across two reads, as an accepted socket's
  // 64 KiB reads split a 64 KiB chunk frame: the decoder joins it into a new buffer.
  const twoReadsRound = () => {
    const [frameHead, frameBody] = encodeFrameParts(message);
    for (const _ of decoder.push(frameHead!));
    for (const _ of decoder.push(frameBody!));
  };
  const measure = (baseline: () => void, subject: () => void) => {
    interleave(baseline, subject, 200); // warm-up
    const rates = interleave(baseline, subject, seconds * 1000);
    return { ...rates, ratio: +(rates.subject / rates.baseline).toFixed(2) };
  };
  const oneRead = measure(memcpy, oneReadRound);
  const twoReads = measure(copyToNewBuffer, twoReadsRound);
  const twoReadsVsMemcpy = measure(memcpy, twoReadsRound);
  const microseconds = (perSecond: number) => +(1e6 / perSecond).toFixed(2);
  return {
    memcpyUs: microseconds(oneRead.baseline),
    copyToNewBufferUs: microseconds(twoReads.baseline),
    oneReadUs: microseconds(oneRead.subject),
    twoReadsUs: microseconds(twoReads.subject),
    oneReadVsMemcpy: oneRead.ratio,
    twoReadsVsCopyToNewBuffer: twoReads.ratio,
    twoReadsVsMemcpy: twoReadsVsMemcpy.ratio,
  };
}

/** Encode+decode of `messages` (each once per round) against the JSON baseline. */
function controlThroughput(messages: Message[]) {
  const decoder = new FrameDecoder();
  const result = compare(jsonRound(messages), () => {
    for (const message of messages) for (const _ of decoder.push(encodeFrame(message)));
  });
  return {
    messages: messages.map((m) => m.t).join(','),
    jsonNsPerMessage: Math.round(1e9 / (result.baseline * messages.length)),
    wireNsPerMessage: Math.round(1e9 / (result.subject * messages.length)),
    wireVsJson: result.ratio,
  };
}

const started = Date.now();
// Throughput first: a million malformed frames leave the decoder's code tuned to
// inputs a peer never sees (each bad frame closes its connection), which cost the
// control messages measured after them about a tenth.
const chunk = chunkThroughput();
console.log(JSON.stringify({ chunk64KiB: chunk }));
const controlMessages = ALL_SAMPLES.filter((m) => m.t !== 'chunk');
// Every control message type once per round: what the target is judged on.
const control = controlThroughput(controlMessages);
console.log(JSON.stringify({ controlAllTypes: control }));
// The ones sent per chunk, for the hot path on its own.
const perChunk = new Set(['have', 'request', 'cancel', 'reject']);
console.log(JSON.stringify({ controlPerChunk: controlThroughput(controlMessages.filter((m) => perChunk.has(m.t))) }));
const fuzzResult = fuzz();
console.log(JSON.stringify({ fuzz: fuzzResult }));

const targets = [
  { measure: 'fuzz crashes', value: fuzzResult.crashes, met: fuzzResult.crashes === 0, want: '0' },
  { measure: 'chunk frame in one read vs memcpy', value: chunk.oneReadVsMemcpy, met: chunk.oneReadVsMemcpy >= 0.5, want: '>= 0.5' },
  {
    measure: 'chunk frame over two reads vs Buffer.copy into a new buffer',
    value: chunk.twoReadsVsCopyToNewBuffer,
    met: chunk.twoReadsVsCopyToNewBuffer >= 0.5,
    want: '>= 0.5',
  },
  { measure: 'control messages vs JSON', value: control.wireVsJson, met: control.wireVsJson > 1, want: '> 1' },
];
for (const { measure, value, met, want } of targets) console.log(`${met ? 'PASS' : 'FAIL'}  ${measure}: ${value} (want ${want})`);
console.log(JSON.stringify({ node: process.version, seconds: Math.round((Date.now() - started) / 1000) }));
if (targets.some((target) => !target.met)) process.exitCode = 1;
