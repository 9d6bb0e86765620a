export { monotonicClock, wallClock, sleep, type Clock, type TimerHandle } from './clock.js';
export { ManualClock } from './manual-clock.js';
export { untilAborted } from './until-aborted.js';
export { UsageError } from './usage-error.js';
export { parseDuration, parseMediaTime, formatMediaTime } from './durations.js';
export { parseRate, formatRate, formatRateAsBits } from './rates.js';
export { parseSize } from './sizes.js';
export { parseInteger, parsePositive, parseFraction } from './numbers.js';
export { parseHostPort, type HostPort } from './host-port.js';
