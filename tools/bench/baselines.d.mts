export function memcpyRound(source: Uint8Array): () => void;
export function jsonRound(messages: readonly unknown[]): () => void;
export function timeSlice(round: () => void, gc?: () => void): [rounds: number, ns: number];
export function copyToNewBufferRound(source: Uint8Array): () => void;
export function interleave(
  baseline: () => void,
  subject: () => void,
  ms: number,
  batch?: number,
): { baseline: number; subject: number };
