import { mpegTsProblem, TS_PACKET_BYTES } from '@p2pstream/data';

/**
 * Checks of a viewer's output against the MPEG-TS source it was published from
 * (the framing check itself, `mpegTsProblem`, is @p2pstream/data's).
 */

/** A stretch of the output that is a byte-for-byte copy of a stretch of the source. */
export interface Run {
  outputStart: number;
  sourceStart: number;
  length: number;
}

export interface RunMatch {
  /** The output as copies of the source, in output order. */
  runs: Run[];
  /**
   * Output offset of the first packet that is not where the source could have put it
   * (a corrupt byte, or a piece out of order), or undefined when every byte matched.
   */
  mismatchAt: number | undefined;
}

/**
 * Splits a viewer's output into runs copied from the source, each starting after the
 * previous one ended in the source (chunks are played in order; a skipped chunk leaves
 * a gap in the source between two runs, never a step back). Chunks are cut on packet
 * boundaries of the source, so runs are looked for at packet-aligned source offsets.
 * A run starts where the next `probePackets` output packets occur in the source (a
 * single packet is ambiguous: PAT/PMT repeat; fewer only when no longer run fits), and
 * grows packet by packet while the bytes stay equal.
 */
export function matchRuns(output: Uint8Array, source: Uint8Array, probePackets = 4): RunMatch {
  const out = Buffer.from(output.buffer, output.byteOffset, output.byteLength);
  const src = Buffer.from(source.buffer, source.byteOffset, source.byteLength);
  const runs: Run[] = [];
  let outputAt = 0;
  let sourceFrom = 0;
  while (outputAt < out.length) {
    const { sourceStart, length: probed } = probeSource(out, outputAt, src, sourceFrom, probePackets);
    if (sourceStart < 0) return { runs, mismatchAt: outputAt };
    let length = probed;
    while (outputAt + length < out.length && sourceStart + length < src.length) {
      const step = Math.min(TS_PACKET_BYTES, out.length - outputAt - length, src.length - sourceStart - length);
      if (!out.subarray(outputAt + length, outputAt + length + step).equals(src.subarray(sourceStart + length, sourceStart + length + step))) break;
      length += step;
    }
    runs.push({ outputStart: outputAt, sourceStart, length });
    outputAt += length;
    sourceFrom = sourceStart + length;
  }
  return { runs, mismatchAt: undefined };
}

/**
 * Where the output's packets from `outputAt` begin in the source (at or after `sourceFrom`), and
 * how many bytes the probe matched. A run shorter than `probePackets` (a start point's PAT, PMT
 * and keyframe packet at a chunk's end, then a skipped chunk) is looked for with fewer packets,
 * down to one: a corrupt packet matches nowhere, whatever the probe's length.
 */
function probeSource(out: Buffer, outputAt: number, src: Buffer, sourceFrom: number, probePackets: number): { sourceStart: number; length: number } {
  for (let packets = probePackets; packets >= 1; packets--) {
    const probe = out.subarray(outputAt, Math.min(out.length, outputAt + packets * TS_PACKET_BYTES));
    const sourceStart = alignedIndexOf(src, probe, sourceFrom);
    if (sourceStart >= 0) return { sourceStart, length: probe.length };
  }
  return { sourceStart: -1, length: 0 };
}

/** The first offset ≥ from, a multiple of 188, where `needle` occurs in `haystack`; -1 if none. */
function alignedIndexOf(haystack: Buffer, needle: Buffer, from: number): number {
  let at = haystack.indexOf(needle, from);
  while (at >= 0 && at % TS_PACKET_BYTES !== 0) at = haystack.indexOf(needle, at + 1);
  return at;
}

/**
 * Why `output` is not one stretch of `source` — whole packets, in order, nothing left out
 * in between, and with `toEnd` up to the source's last byte — or undefined when it is:
 * what a viewer that joined a live stream writes until it is stopped (or, `toEnd`, until
 * the stream ended). Up to `leadingPackets` packets may come first that are not part of
 * the stretch (a player's PAT and PMT put ahead of the first keyframe).
 */
export function stretchCopyProblem(output: Uint8Array, source: Uint8Array, options: { toEnd: boolean; leadingPackets?: number }): string | undefined {
  const framing = mpegTsProblem(output);
  if (framing) return framing;
  const out = Buffer.from(output.buffer, output.byteOffset, output.byteLength);
  const src = Buffer.from(source.buffer, source.byteOffset, source.byteLength);
  const leading = options.leadingPackets ?? 4;
  for (let skip = 0; skip <= leading * TS_PACKET_BYTES && skip < out.length; skip += TS_PACKET_BYTES) {
    const stretch = out.subarray(skip);
    const probe = stretch.subarray(0, 4 * TS_PACKET_BYTES);
    for (let at = alignedIndexOf(src, probe, 0); at >= 0; at = alignedIndexOf(src, probe, at + TS_PACKET_BYTES)) {
      const fits = stretch.equals(src.subarray(at, at + stretch.length));
      if (fits && (!options.toEnd || at + stretch.length === src.length)) return undefined;
    }
  }
  const { runs, mismatchAt } = matchRuns(out, src);
  if (mismatchAt !== undefined) return `bytes at offset ${mismatchAt} of ${out.length} are no in-order copy of the source`;
  const gaps = runs.slice(1).filter((run, index) => run.sourceStart !== runs[index]!.sourceStart + runs[index]!.length).length;
  const end = runs.at(-1);
  return `${out.length} bytes are no single stretch of the source${options.toEnd ? ' up to its end' : ''}: ${gaps} gaps, the copy ends at ${end ? end.sourceStart + end.length : 0} of ${src.length}`;
}
