/**
 * Child for test/unit/logging/buffered-stdout.test.ts: logs with the proxy's default stdout destination, then ends
 * as argv[2] says (exit, throw, or SIGTERM handled as xks serve does) 600 ms later.
 */
import { createLogger } from '../../src/logging/create-logger.js';

const logger = createLogger({ level: 'info' });
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
