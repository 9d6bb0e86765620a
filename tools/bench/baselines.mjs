// Baselines shared by the benchmarks in tools/bench.

/**
 * A memcpy of `source` into a preallocated buffer. Where the target lands
 * relative to the source matters: on these machines some placements ran a
 * 64 KiB copy 15–20× slower (address aliasing), which would flatter every ratio
 * measured against it. So a few target offsets are tried and the fastest kept:
 * the baseline is the best memcpy this machine does.
 */
export function memcpyRound(source) {
  const arena = Buffer.alloc(source.length + 8192);
  let best;
  let bestNs = Infinity;
  for (const offset of [0, 64, 1088, 2112, 4160, 6208]) {
    const target = arena.subarray(offset, offset + source.length);
    const start = process.hrtime.bigint();
    for (let i = 0; i < 200; i++) target.set(source);
    const ns = Number(process.hrtime.bigint() - start);
    if (ns < bestNs) {
      bestNs = ns;
      best = target;
    }
  }
  const target = best;
  return function memcpy() {
    target.set(source);
  };
}

/** JSON.stringify + length prefix + JSON.parse of each message. */
export function jsonRound(messages) {
  return function json() {
    for (const message of messages) {
      const body = Buffer.from(JSON.stringify(message));
      const frame = Buffer.allocUnsafe(4 + body.length);
      frame.writeUInt32BE(body.length, 0);
      body.copy(frame, 4);
      JSON.parse(frame.toString('utf8', 4, 4 + frame.readUInt32BE(0)));
    }
  };
}

/**
 * Runs `round` for about 50 ms; returns [rounds, nanoseconds]. Calls `gc` first
 * (when given) so each side pays only for its own garbage.
 */
export function timeSlice(round, gc) {
  gc?.();
  const start = process.hrtime.bigint();
  let rounds = 0;
  let elapsed = 0n;
  while (elapsed < 50_000_000n) {
    for (let i = 0; i < 20; i++) round();
    rounds += 20;
    elapsed = process.hrtime.bigint() - start;
  }
  return [rounds, Number(elapsed)];
}

/** `Buffer.copy` of `source` into a new buffer: the least a receiver that keeps the bytes must do. */
export function copyToNewBufferRound(source) {
  const bytes = Buffer.from(source.buffer, source.byteOffset, source.byteLength);
  return function copyToNewBuffer() {
    bytes.copy(Buffer.allocUnsafe(bytes.length));
  };
}

/**
 * Runs `baseline` and `subject` in alternating batches of `batch` rounds for
 * about `ms` milliseconds in all, with no collection forced in between; returns
 * rounds per second of each. For work whose cost depends on the heap's state —
 * a fresh 64 KiB buffer faults its pages in again whenever glibc has handed freed
 * memory back to the system — 50 ms slices each started by a collection let the
 * two sides meet different states and the ratio swing; small batches make them
 * meet the same one.
 */
export function interleave(baseline, subject, ms, batch = 16) {
  let baselineNs = 0n;
  let subjectNs = 0n;
  let rounds = 0;
  const stop = process.hrtime.bigint() + BigInt(Math.round(ms * 1e6));
  while (process.hrtime.bigint() < stop) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) baseline();
    const t1 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) subject();
    const t2 = process.hrtime.bigint();
    baselineNs += t1 - t0;
    subjectNs += t2 - t1;
    rounds += batch;
  }
  return { baseline: rounds / (Number(baselineNs) / 1e9), subject: rounds / (Number(subjectNs) / 1e9) };
}
