/**
 * Child for test/unit/logging/buffered-stdout.test.ts: logs with the proxy's default stdout destination, then ends
 * as argv[2] says (exit, throw, or SIGTERM handled as xks serve does) 600 ms later. `burst` logs 3000 lines at once
 * (about 450 KB) and exits.
 */
import { createLogger } from '../../src/logging/create-logger.js';

const logger = createLogger({ level: 'info' });
if (process.argv[2] === 'burst') {
  // Opening process.stdout makes a piped fd 1 non-blocking (libuv): a full pipe then means short writes and EAGAIN.
  if (!process.stdout.writable) process.exit(2);
  for (let n = 0; n < 3000; n++) logger.info({ n, pad: 'x'.repeat(100) }, n % 2 === 0 ? `burst ${n} naïve ✓` : `burst ${n}`);
  process.exit(0);
}
logger.info({ n: 1 }, 'first line');
process.once('SIGTERM', () => {
  logger.info({ n: 3 }, 'stopping on SIGTERM');
  process.exit(143);
});
setTimeout(() => {
  logger.info({ n: 2 }, 'second line');
  if (process.argv[2] === 'throw') throw new Error('boom');
  if (process.argv[2] === 'sigterm') {
    setTimeout(() => process.exit(1), 5000); // stays alive until the signal arrives
    process.kill(process.pid, 'SIGTERM');
  }
  else process.exit(0);
}, 600);
