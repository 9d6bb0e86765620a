export { dataChannelTransport, DataChannelTransport, type DataChannelTransportOptions } from './data-channel-transport.js';
export { openDataChannel, type OpenDataChannelOptions, type OpenedDataChannel } from './open-data-channel.js';
export { createSignalingPair, MAX_CANDIDATE_BYTES, MAX_SDP_BYTES, type Signaling, type SignalMessage } from './signaling.js';
export type { CandidateAddress } from './selected-candidate.js';
export type { DataChannel, IceServer, PeerConnection, PeerConnectionClass } from './web-rtc-types.js';
export { WebRTCError, type WebRTCErrorCode, OpenTimeoutError, BadSignalError, TransportResetError, ChannelLostError } from './errors.js';
