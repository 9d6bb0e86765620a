/**
 * `npm run bench:data` — what signing and verifying a 64 KiB chunk costs, against
 * sha256 of the same 64 KiB (node:crypto) measured in the same run, and how fast
 * the chunker cuts bytes, against copying the same bytes.
 * Options: --iterations N (per signature measurement, default 2000), --mib M (MiB through the
 * chunker, default 256), --help.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { parseInteger } from '@p2pstream/units';
import {
  chunkSignedBytes,
  Chunker,
  generateStreamKey,
  newSession,
  signChunk,
  TS_PACKET_BYTES,
  TS_SYNC_BYTE,
  verifierFor,
  verifyChunk,
  type UnsignedChunk,
} from '@p2pstream/data';
import { parseBenchArgs } from './command-line.js';

const USAGE = `Usage: npm run bench:data -- [options]

What signing and verifying a 64 KiB chunk costs against sha256 of the same bytes, and how fast
the chunker cuts bytes against copying them; prints JSON lines, exits 1 if a verify takes 1 ms.

  --iterations N         calls per signature measurement (default 2000)
  --mib M                MiB through the chunker (default 256)
  -h, --help             show this help
`;

const { iterations, mib } = parseBenchArgs(
  USAGE,
  { iterations: { type: 'string', default: '2000' }, mib: { type: 'string', default: '256' } },
  (values) => ({ iterations: parseInteger('--iterations', values.iterations, 1, 1e9), mib: parseInteger('--mib', values.mib, 1, 1e6) }),
);

/** Microseconds per call of `round`, over `iterations` calls after a warm-up. */
function microseconds(round: () => void): number {
  for (let i = 0; i < Math.min(200, iterations); i++) round();
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) round();
  return Number(process.hrtime.bigint() - start) / 1000 / iterations;
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

function signatures() {
  const key = generateStreamKey();
  const session = newSession();
  const data = createHash('sha512').update('seed').digest();
  const payload = Buffer.concat(Array.from({ length: 1024 }, () => data)); // 64 KiB
  const chunk = signChunk(key, session, { seq: 123_456, ts: Date.now(), data: payload });
  const verifier = verifierFor(key.streamId);
  const jwk = { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(key.publicKey).toString('base64url') };
  let sink = 0;

  const sha256Us = microseconds(() => {
    sink ^= createHash('sha256').update(payload).digest()[0]!;
  });
  const signUs = microseconds(() => {
    sink ^= signChunk(key, session, chunk).sig[0]!;
  });
  const verifyUs = microseconds(() => {
    if (!verifyChunk(verifier, session, chunk)) throw new Error('a good chunk failed to verify');
  });
  const verifyByIdUs = microseconds(() => {
    if (!verifyChunk(key.streamId, session, chunk)) throw new Error('a good chunk failed to verify');
  });
  // The two parts of a verify: hashing the data (sha256Us) and the Ed25519 check of the 107-byte message.
  const message = chunkSignedBytes(key.publicKey, session, chunk.seq, chunk.ts, chunk.data);
  const ed25519Us = microseconds(() => {
    if (!verify(null, message, verifier.keyObject, chunk.sig)) throw new Error('a good chunk failed to verify');
  });
  // What the verifier cache saves per chunk: importing the public key again.
  const importUs = microseconds(() => {
    sink ^= createPublicKey({ key: jwk, format: 'jwk' }).asymmetricKeyType === 'ed25519' ? 1 : 0;
  });
  if (sink === -1) console.log(sink);
  return {
    iterations,
    sha256Us: round2(sha256Us),
    signUs: round2(signUs),
    verifyUs: round2(verifyUs),
    verifyByStreamIdUs: round2(verifyByIdUs),
    ed25519VerifyUs: round2(ed25519Us),
    keyImportUs: round2(importUs),
    signVsSha256: round2(signUs / sha256Us),
    verifyVsSha256: round2(verifyUs / sha256Us),
    verifiesPerSecond: Math.round(1e6 / verifyUs),
  };
}

async function chunking() {
  const total = mib * 2 ** 20;
  const piece = Buffer.alloc(16 * 1024 + TS_PACKET_BYTES, TS_SYNC_BYTE); // reads that do not line up with chunks or packets
  async function* source(): AsyncGenerator<Uint8Array> {
    for (let sent = 0; sent < total; sent += piece.length) yield piece.subarray(0, Math.min(piece.length, total - sent));
  }
  async function run(cut: () => AsyncIterable<UnsignedChunk>): Promise<number> {
    const start = process.hrtime.bigint();
    let bytes = 0;
    for await (const chunk of cut()) bytes += chunk.data.length;
    if (bytes !== total) throw new Error(`chunker lost bytes: ${bytes} of ${total}`);
    return Number(process.hrtime.bigint() - start) / 1e9;
  }
  // Baseline: the same pieces copied into 64 KiB buffers by hand, the least any chunker must do.
  const copySeconds = await run(async function* () {
    let buffer = Buffer.allocUnsafeSlow(65_536);
    let filled = 0;
    let seq = 0;
    for await (const p of source()) {
      for (let offset = 0; offset < p.length; ) {
        const n = Math.min(buffer.length - filled, p.length - offset);
        buffer.set(p.subarray(offset, offset + n), filled);
        filled += n;
        offset += n;
        if (filled === buffer.length) {
          yield { seq: seq++, ts: 0, data: buffer };
          buffer = Buffer.allocUnsafeSlow(65_536);
          filled = 0;
        }
      }
    }
    if (filled > 0) yield { seq, ts: 0, data: buffer.subarray(0, filled) };
  });
  const plainSeconds = await run(() => new Chunker().chunks(source()));
  const mpegtsSeconds = await run(() => new Chunker({ mpegts: true }).chunks(source()));
  const mibps = (seconds: number): number => Math.round(mib / seconds);
  return {
    mib,
    copyMiBps: mibps(copySeconds),
    chunkerMiBps: mibps(plainSeconds),
    mpegtsChunkerMiBps: mibps(mpegtsSeconds),
    chunkerVsCopy: round2(copySeconds / plainSeconds),
    mpegtsChunkerVsCopy: round2(copySeconds / mpegtsSeconds),
  };
}

const started = Date.now();
const signed = signatures();
console.log(JSON.stringify({ chunk64KiB: signed }));
console.log(JSON.stringify({ chunker: await chunking() }));
console.log(JSON.stringify({ node: process.version, seconds: Math.round((Date.now() - started) / 1000) }));
if (signed.verifyUs >= 1000) {
  console.error('verifying a 64 KiB chunk took a millisecond or more');
  process.exitCode = 1;
}
