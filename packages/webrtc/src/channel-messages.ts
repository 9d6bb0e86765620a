/**
 * What travels in each data-channel message: one tag byte, then its body. A data channel
 * has no half-close and no flow control on the receiving side (a reader cannot make the
 * sender wait: messages are handed over as they arrive), so the transport carries its own:
 * the receiver grants a window and gives credit back as it reads, the way TCP does.
 */
export const ChannelTag = {
  /** Stream bytes: the rest of the message. */
  data: 0,
  /** u32 BE: the receive window the sender may fill before any credit comes back; sent once, first. */
  window: 1,
  /** u32 BE: this many more bytes were read; the sender may send that many more. */
  credit: 2,
  /** No more bytes from this side (half-close). */
  end: 3,
  /** This side was destroyed with an error before it ended. */
  reset: 4,
} as const;

/**
 * The largest message this transport sends, tag included. SCTP implementations disagree
 * on the largest message they take (some browsers 64 KiB, some 256 KiB, older ones 16 KiB);
 * 16 KiB is what every one of them delivers whole and in order.
 */
export const MAX_MESSAGE_BYTES = 16 * 1024;

/** Stream bytes that fit in one message after the tag. */
export const MAX_DATA_BYTES = MAX_MESSAGE_BYTES - 1;

/** A window or credit message. */
export function countMessage(tag: typeof ChannelTag.window | typeof ChannelTag.credit, bytes: number): Uint8Array {
  const message = new Uint8Array(5);
  message[0] = tag;
  new DataView(message.buffer).setUint32(1, bytes);
  return message;
}

/** The u32 of a window or credit message, or undefined if it is not exactly 5 bytes long. */
export function readCount(message: ArrayBuffer): number | undefined {
  return message.byteLength === 5 ? new DataView(message).getUint32(1) : undefined;
}
