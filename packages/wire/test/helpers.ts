import { FrameDecoder, WireError, type FrameDecoderOptions, type Message } from '../src/index.js';

/** Feeds the bytes as given (each piece taken only when it is pushed), then ends the input; returns the messages, or the typed error raised. */
export function decodeAll(
  pieces: Iterable<Uint8Array>,
  options?: FrameDecoderOptions,
): { messages: Message[]; error?: WireError } {
  const decoder = new FrameDecoder(options);
  const messages: Message[] = [];
  try {
    for (const piece of pieces) for (const message of decoder.push(piece)) messages.push(message);
    decoder.end();
    return { messages };
  } catch (error) {
    if (error instanceof WireError) return { messages, error };
    throw error;
  }
}

/** A frame with the given body bytes behind a correct length prefix. */
export function rawFrame(body: Uint8Array | readonly number[]): Buffer {
  const bytes = Buffer.from(body);
  const frame = Buffer.alloc(4 + bytes.length);
  frame.writeUInt32BE(bytes.length, 0);
  bytes.copy(frame, 4);
  return frame;
}
