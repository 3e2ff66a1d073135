import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { TSX_LOADER } from '../../support/proxy-process.js';
import { writeFully, type WriteSync } from '../../../src/logging/buffered-stdout.js';

const CHILD = new URL('../../support/buffered-log-child.ts', import.meta.url).pathname;

/** Run the child; resolve with each stdout line's arrival time (ms after start) and the message. */
function run(mode: string, readAfterMs = 0): Promise<{ at: number; msg: string }[]> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', TSX_LOADER, CHILD, mode], { stdio: ['ignore', 'pipe', 'ignore'] });
    const lines: { at: number; msg: string }[] = [];
    let rest = '';
    if (readAfterMs > 0) {
      child.stdout.pause();
      setTimeout(() => child.stdout.resume(), readAfterMs);
    }
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

test('default log destination: a burst larger than a pipe holds, read late, arrives whole and in order', async () => {
  // The reader starts 500 ms late: the writer meets a full pipe (a blocking write, or EAGAIN and a retry).
  const lines = await run('burst', 500);
  assert.equal(lines.length, 3000);
  lines.forEach((l, n) => assert.equal(l.msg, n % 2 === 0 ? `burst ${n} naïve ✓` : `burst ${n}`));
});

/** A stdout that takes at most `max` bytes per call and answers EAGAIN every third call (a reader that is behind). */
function slowStdout(max: number, fail?: string) {
  const received: Buffer[] = [];
  let calls = 0;
  const write: WriteSync = (_fd, data, offset = 0) => {
    calls += 1;
    if (fail !== undefined && calls === 2) throw Object.assign(new Error(fail), { code: fail });
    if (calls % 3 === 0) throw Object.assign(new Error('EAGAIN'), { code: 'EAGAIN' });
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data.subarray(offset);
    const taken = bytes.subarray(0, max);
    received.push(Buffer.from(taken));
    return taken.length;
  };
  return { write, text: () => Buffer.concat(received).toString('utf8'), calls: () => calls };
}

test('writeFully: short writes and EAGAIN -> every byte written once, in order (multi-byte characters split across writes)', () => {
  const text = Array.from({ length: 200 }, (_, n) => `{"n":${n},"msg":"naïve ✓ ${n}"}\n`).join('');
  for (const max of [1, 7, 100, 4096, 1 << 20]) {
    const out = slowStdout(max);
    writeFully(1, text, out.write);
    assert.equal(out.text(), text, `max ${max}`);
  }
});

test('writeFully: an error other than EAGAIN (the reader is gone) drops the rest without throwing', () => {
  const out = slowStdout(10, 'EPIPE');
  assert.doesNotThrow(() => writeFully(1, 'x'.repeat(100), out.write));
  assert.equal(out.text(), 'x'.repeat(10));
  assert.equal(out.calls(), 2);
});
