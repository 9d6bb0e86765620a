// Injected into the bundle for the global Buffer that wire, connection and webrtc use: the
// `buffer` package's, with the two string readers of Node's that wire's decoder calls and
// the package lacks.
import { Buffer } from 'buffer';
import { latin1Slice, utf8Slice } from './string-slices.js';

const prototype = Buffer.prototype as unknown as { latin1Slice?: typeof latin1Slice; utf8Slice?: typeof utf8Slice };
prototype.latin1Slice ??= latin1Slice;
prototype.utf8Slice ??= utf8Slice;

export { Buffer };
