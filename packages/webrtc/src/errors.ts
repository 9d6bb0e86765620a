/** Stable codes of every error this package throws, rejects with or emits. */
export type WebRTCErrorCode =
  | 'NO_WEBRTC'
  | 'SIGNALING_TIMEOUT'
  | 'CONNECT_TIMEOUT'
  | 'ICE_FAILED'
  | 'BAD_SIGNAL'
  | 'CHANNEL_NOT_RELIABLE'
  | 'CHANNEL_LOST'
  | 'TRANSPORT_RESET'
  | 'WRITE_AFTER_END'
  | 'RECEIVE_WINDOW_EXCEEDED'
  | 'BAD_CHANNEL_MESSAGE';

/** Base of every error this package throws; `code` is stable, `message` says what happened and what to do. */
export class WebRTCError extends Error {
  readonly code: WebRTCErrorCode;
  constructor(code: WebRTCErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Opening the data channel took longer than `timeout`: `SIGNALING_TIMEOUT` when the other side never answered, `CONNECT_TIMEOUT` when it did but ICE or the channel did not come up. */
export class OpenTimeoutError extends WebRTCError {
  constructor(code: 'SIGNALING_TIMEOUT' | 'CONNECT_TIMEOUT', timeout: number) {
    super(
      code,
      code === 'SIGNALING_TIMEOUT'
        ? `nothing from the other side over signaling within ${timeout} ms — is it online and listening for this signaling channel?`
        : `the other side answered but the data channel did not open within ${timeout} ms — no ICE candidate pair works (behind NAT, pass a STUN or TURN server in iceServers)`,
    );
  }
}

/** A signaling message that is not one this package sends, or is over a limit; nothing of it was used. */
export class BadSignalError extends WebRTCError {
  constructor(message: string) {
    super('BAD_SIGNAL', `bad signaling message: ${message}`);
  }
}

/** The other end of the data channel was destroyed with an error before it ended. */
export class TransportResetError extends WebRTCError {
  constructor() {
    super('TRANSPORT_RESET', 'the other side reset the data channel');
  }
}

/** The data channel closed without the other side ending or resetting it: its peer connection or tab went away. */
export class ChannelLostError extends WebRTCError {
  constructor() {
    super('CHANNEL_LOST', 'the data channel closed without the other side ending it (peer connection lost)');
  }
}
