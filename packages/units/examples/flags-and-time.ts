import { ManualClock, parseDuration, parseHostPort, parseRate, sleep, UsageError } from '@p2pstream/units';

// One grammar for every program's flags.
console.log(parseDuration('--interval', '4 s'), parseRate('--upload-limit', '4Mbit/s'));
console.log(parseHostPort('--http', '[::1]:8080'));
try {
  parseDuration('--ttl', 'soon');
} catch (error) {
  if (error instanceof UsageError) console.log(error.code, error.message);
}

// Time that moves only when told to: a 30 s wait passes in an instant.
const clock = new ManualClock();
const waited = sleep(clock, 30_000).then(() => console.log(`woke at ${clock.now()} ms`));
await clock.run(30_000);
await waited;
