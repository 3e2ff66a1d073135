import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { TSX_LOADER } from '../../helpers/proxy-process.js';

const CHILD = new URL('../../helpers/buffered-log-child.ts', import.meta.url).pathname;

/** Run the child; resolve with each stdout line's arrival time (ms after start) and the message. */
function run(mode: string): Promise<{ at: number; msg: string }[]> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', TSX_LOADER, CHILD, mode], { stdio: ['ignore', 'pipe', 'ignore'] });
    const lines: { at: number; msg: string }[] = [];
    let rest = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      rest += chunk;
      let nl: number;
      while ((nl = rest.indexOf('\n')) >= 0) {
        lines.push({ at: Date.now() - started, msg: (JSON.parse(rest.slice(0, nl)) as { msg: string }).msg });
        rest = rest.slice(nl + 1);
      }
    });
    child.once('error', reject).once('close', () => resolve(lines));
  });
}

test('default log destination: a quiet line is written within the flush interval, not held until 8 KiB collect', async () => {
  const lines = await run('exit');
  assert.deepEqual(lines.map((l) => l.msg), ['first line', 'second line']);
  // The first line is logged at start and the process lives 600 ms more: it must arrive before the second is logged.
  const [first, second] = lines;
  assert.ok(first !== undefined && second !== undefined && second.at - first.at > 400, `first at ${first?.at} ms, second at ${second?.at} ms`);
});

for (const mode of ['throw', 'sigterm']) {
  test(`default log destination: lines still buffered are written when the process ends (${mode})`, async () => {
    const lines = await run(mode);
    assert.deepEqual(lines.map((l) => l.msg), mode === 'throw' ? ['first line', 'second line'] : ['first line', 'second line', 'stopping on SIGTERM']);
  });
}
