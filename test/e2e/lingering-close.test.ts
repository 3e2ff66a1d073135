/**
 * A refusal sent before the body was read still reaches a client that writes its whole body first (lingering
 * close, src/proxy/http/lingering-close.ts), against a real `xks serve` process with the default bounds (5 s, 8 MiB).
 * Clients: Node's http client (Content-Length and chunked), a raw socket that reads only after its last byte was
 * written, and curl. The proof is a loop that fails on any attempt without the JSON error; without lingering close
 * the same loop fails on most attempts (measured figures in the issue report).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTempProxyDir, startProxyProcess, type ProxyProcess, type TempProxyDir } from '../support/proxy-process.js';
import { TEST_ACCESS_KEY_ID, TEST_REGION, TEST_SECRET, testKey } from '../support/test-app.js';
import { signXksHeaders } from '../support/sign-xks.js';
import { pollUntil } from '../support/poll-until.js';

const MiB = 1024 * 1024;
const ENCRYPT = '/kms/xks/v1/keys/k1/encrypt';

let dir: TempProxyDir;
let proxy: ProxyProcess;
let port: number;
before(async () => {
  // One concurrent request, so a slot still held by a lingering connection would show up as a 429; the smallest
  // body budget (one 256 KiB body), so a body that is still arriving can make another one a 429 before it is read.
  dir = createTempProxyDir({
    keys: [testKey('k1')],
    logLevel: 'debug',
    // Time bounds of 60 s: on a busy machine a held body must not meet its deadline (2-4.5 s of the default 5 s
    // requestTimeoutMs) while the 429 test runs, nor a lingering close its time bound before its byte bound.
    extraConfig: { throttling: { maxConcurrentRequests: 1 }, limits: { maxBodyBytesInFlight: 262_144, requestTimeoutMs: 60_000, lingeringCloseMs: 60_000 } },
  });
  proxy = await startProxyProcess(['serve', '--config', dir.configPath]);
  port = Number(new URL(proxy.url).port);
});
after(async () => {
  await proxy.stop();
  dir.cleanup();
});

/** Headers that pass the header-only SigV4 checks; the body is refused (or the signature fails) later. */
function signedHeaders(path: string): Record<string, string> {
  return signXksHeaders({ host: `127.0.0.1:${port}`, path, body: '', region: TEST_REGION, accessKeyId: TEST_ACCESS_KEY_ID, secret: TEST_SECRET });
}

/** The same headers as raw HTTP/1.1 header lines, for raw-socket clients. */
function signedHeaderLines(path: string): string {
  return Object.entries(signedHeaders(path)).map(([k, v]) => `${k}: ${v}\r\n`).join('');
}

interface Outcome {
  readonly status?: number;
  readonly errorName?: string;
  readonly failure?: string;
}

function parseErrorName(text: string): string | undefined {
  try {
    return (JSON.parse(text) as { errorName?: string }).errorName;
  } catch {
    return undefined;
  }
}

/** Node's http client: write the whole body (in 64 KiB pieces), end, then take the response. */
function nodeClient(options: { method?: string; path: string; headers: Record<string, string>; size: number; chunked: boolean }): Promise<Outcome> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ failure: 'timeout' }), 15_000);
    const done = (o: Outcome): void => {
      clearTimeout(timer);
      resolve(o);
    };
    const headers = { ...options.headers, ...(options.chunked ? { 'Transfer-Encoding': 'chunked' } : { 'Content-Length': String(options.size) }) };
    const req = httpRequest({ host: '127.0.0.1', port, method: options.method ?? 'POST', path: options.path, headers, agent: false });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => done({ status: res.statusCode ?? 0, errorName: parseErrorName(text) }));
      res.on('error', (e: NodeJS.ErrnoException) => done({ failure: `response ${e.code ?? e.message}` }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => done({ failure: `request ${e.code ?? e.message}` }));
    const piece = Buffer.alloc(64 * 1024, 0x61);
    for (let sent = 0; sent < options.size; sent += piece.length) req.write(piece.subarray(0, Math.min(piece.length, options.size - sent)));
    req.end();
  });
}

/** A raw socket that writes the request and its whole body, waits until every byte is written, then reads. */
function writeAllThenRead(head: string, size: number, chunked: boolean): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const timer = setTimeout(() => finish({ failure: 'timeout' }), 15_000);
    const finish = (o: Outcome): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(o);
    };
    socket.pause();
    socket.on('error', (e: NodeJS.ErrnoException) => finish({ failure: e.code ?? e.message }));
    socket.write(head);
    const piece = Buffer.alloc(64 * 1024, 0x61);
    for (let sent = 0; sent < size; sent += piece.length) {
      const part = piece.subarray(0, Math.min(piece.length, size - sent));
      socket.write(chunked ? Buffer.concat([Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n')]) : part);
    }
    socket.write(chunked ? '0\r\n\r\n' : '', () => {
      let text = '';
      socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
      socket.on('end', () => {
        const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
        finish(status === undefined ? { failure: `no response (${text.length} bytes)` } : { status: Number(status), errorName: parseErrorName(text.slice(text.indexOf('\r\n\r\n') + 4)) });
      });
      socket.resume();
    });
  });
}

/** Run `attempts` sequential attempts and return the failures, for one assertion with every detail. */
async function repeat(attempts: number, attempt: () => Promise<Outcome>, expected: Outcome): Promise<string[]> {
  const failures: string[] = [];
  for (let i = 0; i < attempts; i++) {
    const o = await attempt();
    if (o.status !== expected.status || o.errorName !== expected.errorName) failures.push(`#${i}: ${JSON.stringify(o)}`);
  }
  return failures;
}

const TOO_LARGE: Outcome = { status: 501, errorName: 'UnsupportedOperationException' };

for (const size of [1, 5]) {
  for (const chunked of [false, true]) {
    const framing = chunked ? 'chunked' : 'Content-Length';
    test(`lingering close: Node http client writes ${size} MiB (${framing}) before reading, 20 attempts -> 20 x 501 JSON error`, async () => {
      const failures = await repeat(20, () => nodeClient({ path: ENCRYPT, headers: signedHeaders(ENCRYPT), size: size * MiB, chunked }), TOO_LARGE);
      assert.deepEqual(failures, []);
    });
  }
}

for (const chunked of [false, true]) {
  test(`lingering close: raw socket writes 5 MiB (${chunked ? 'chunked' : 'Content-Length'}), reads only after the last byte, 10 attempts -> 10 x 501`, async () => {
    const headers = signedHeaderLines(ENCRYPT);
    const framing = chunked ? 'Transfer-Encoding: chunked\r\n' : `Content-Length: ${5 * MiB}\r\n`;
    const failures = await repeat(10, () => writeAllThenRead(`POST ${ENCRYPT} HTTP/1.1\r\n${headers}${framing}\r\n`, 5 * MiB, chunked), TOO_LARGE);
    assert.deepEqual(failures, []);
  });
}

// Every refusal sent before the body is read: the client that keeps writing gets the response.
for (const [name, options, expected] of [
  ['404 (unknown path)', { path: '/no/such/path', headers: { 'Content-Type': 'application/json' } }, { status: 404, errorName: 'InvalidUriPathException' }],
  ['405 (PUT)', { method: 'PUT', path: ENCRYPT, headers: { 'Content-Type': 'application/json' } }, { status: 405, errorName: 'UnsupportedOperationException' }],
  ['401 from the headers (not signed)', { path: ENCRYPT, headers: { 'Content-Type': 'application/json' } }, { status: 401, errorName: 'AuthenticationFailedException' }],
] as const) {
  test(`lingering close: ${name} while the client writes 1 MiB, 5 attempts -> the JSON error every time`, async () => {
    const failures = await repeat(5, () => nodeClient({ ...options, size: MiB, chunked: false }), expected);
    assert.deepEqual(failures, []);
  });
}

/** Take most of the body budget: signed headers and a body that stops short of its Content-Length. */
async function holdTheBodyBudget(): Promise<() => void> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.write(`POST ${ENCRYPT} HTTP/1.1\r\n${signedHeaderLines(ENCRYPT)}Content-Length: 250000\r\n\r\n`);
  socket.write(Buffer.alloc(200_000, 0x61));
  // Held once the proxy has parsed those headers: a small request is then refused for the budget (awaited, not slept for).
  let seen: Outcome = {};
  await pollUntil('the body budget held (a small request refused with 429)', async () => {
    seen = await nodeClient({ path: ENCRYPT, headers: signedHeaders(ENCRYPT), size: 100_000, chunked: true }); // more than the 62,144 bytes left
    return seen.status === 429;
  }, { describe: () => JSON.stringify(seen) });
  return () => socket.destroy();
}

test('lingering close: 429 (body budget full) while the client writes 1 MiB, 5 attempts -> the JSON error every time', async () => {
  const release = await holdTheBodyBudget();
  try {
    const failures = await repeat(5, () => nodeClient({ path: ENCRYPT, headers: signedHeaders(ENCRYPT), size: MiB, chunked: true }), { status: 429, errorName: 'ThrottlingException' });
    assert.deepEqual(failures, []);
  } finally {
    release();
  }
});

test('lingering close: curl uploading 5 MiB gets the 501 JSON error', () => {
  const file = join(dir.dir, 'big.json');
  writeFileSync(file, Buffer.alloc(5 * MiB, 0x61));
  const r = spawnSync(
    'curl',
    ['-sS', '-o', '-', '-w', '\n%{http_code}', '--aws-sigv4', `aws:amz:${TEST_REGION}:kms-xks-proxy`, '--user', `${TEST_ACCESS_KEY_ID}:${TEST_SECRET}`, '-H', 'Content-Type: application/json', '--data-binary', `@${file}`, `${proxy.url}${ENCRYPT}`],
    { encoding: 'utf8', timeout: 15_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  const split = r.stdout.lastIndexOf('\n');
  assert.equal(r.stdout.slice(split + 1), '501');
  assert.equal(parseErrorName(r.stdout.slice(0, split)), 'UnsupportedOperationException');
});

test('lingering close: a 50 MiB sender is cut at the 8 MiB bound, well before it has sent everything', async () => {
  // allowHalfOpen: the sender keeps writing after the proxy's FIN, as a client that never reads would.
  const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  const headers = signedHeaderLines(ENCRYPT);
  socket.write(`POST ${ENCRYPT} HTTP/1.1\r\n${headers}Content-Length: ${50 * MiB}\r\n\r\n`);
  let response = '';
  socket.on('data', (d: Buffer) => (response += d.toString('latin1')));
  socket.on('error', () => undefined);
  // The refusal is sent from the headers, before any body byte. Read it before pumping: a synchronous write loop
  // that meets the proxy's reset would otherwise destroy the socket before its read side ever ran (Node 26 did).
  await pollUntil('the 501 response head, sent before any body byte', () => response.includes('\r\n\r\n'), { describe: () => JSON.stringify(response) });
  const piece = Buffer.alloc(64 * 1024, 0x61);
  let written = 0;
  const cut = await new Promise<string>((resolve) => {
    const timer = setTimeout(() => resolve('not cut within 30 s'), 30_000); // hang guard
    const end = (why: string): void => {
      clearTimeout(timer);
      resolve(why);
    };
    socket.on('error', (e: NodeJS.ErrnoException) => end(e.code ?? e.message));
    socket.on('close', () => end('closed'));
    const pump = (): void => {
      while (written < 50 * MiB && !socket.destroyed) {
        written += piece.length;
        if (!socket.write(piece)) return void socket.once('drain', pump);
      }
    };
    pump();
  });
  socket.destroy();
  assert.notEqual(cut, 'not cut within 30 s');
  assert.ok(written < 30 * MiB, `the proxy accepted ${written} bytes before cutting (${cut})`);
  // Cut by the byte bound, not the time bound: the log line below says which (lingeringCloseMs is 60 s here).
  assert.match(response, /^HTTP\/1\.1 501/, 'the response was sent before the cut');
  const lingerLines = (): { lingerOutcome: string; discardedBytes: number }[] =>
    proxy
      .stdout()
      .split('\n')
      .filter((l) => l.includes('lingering close ended'))
      .map((l) => JSON.parse(l) as { lingerOutcome: string; discardedBytes: number });
  const line = await pollUntil('a lingering close ended by the byte bound in the log', () => lingerLines().find((l) => l.lingerOutcome === 'byte-limit'), {
    intervalMs: 50,
    describe: () => JSON.stringify(lingerLines().slice(-3)),
  });
  assert.ok(line.discardedBytes > 8 * MiB && line.discardedBytes < 8 * MiB + 1 * MiB, `discarded ${line.discardedBytes}`);
});

test('lingering close: the lingering connection holds no concurrency slot, and bytes after the refusal never become a request', async () => {
  const before = proxy.stdout().split('\n').filter((l) => l.includes('"xks request"')).length;
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  let response = '';
  socket.on('data', (d: Buffer) => (response += d.toString('latin1')));
  // Unsigned: refused with 401 from the headers; the 20-byte body and a whole pipelined request follow it.
  socket.write(`POST ${ENCRYPT} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n`);
  await pollUntil('the 401 response head', () => response.includes('\r\n\r\n'), { describe: () => JSON.stringify(response) });
  assert.match(response, /^HTTP\/1\.1 401/);
  socket.write(`${'a'.repeat(20)}POST /kms/xks/v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}`);
  // While that connection lingers, the one concurrency slot is free: a signed request is answered, not throttled.
  const other = await nodeClient({ path: ENCRYPT, headers: signedHeaders(ENCRYPT), size: MiB, chunked: false });
  assert.deepEqual(other, TOO_LARGE);
  await new Promise((r) => setTimeout(r, 200));
  socket.destroy();
  assert.equal(response.match(/HTTP\/1\.1 /g)?.length, 1, 'one response on the lingering connection');
  // The lines written since this test began: a late line of an earlier test's connection may be among them, so
  // each is told apart by what it says rather than counted.
  const newLines = (): { status?: number; operation?: string }[] =>
    proxy
      .stdout()
      .split('\n')
      .filter((l) => l.includes('"xks request"'))
      .slice(before)
      .map((l) => JSON.parse(l) as { status?: number; operation?: string });
  await pollUntil('the 401 line and the other client\'s 501 line', () => newLines().some((l) => l.status === 401) && newLines().some((l) => l.status === 501), {
    describe: () => JSON.stringify(newLines()),
  });
  await new Promise((r) => setTimeout(r, 100)); // a line for the pipelined health request, if its bytes had become one
  const lines = newLines();
  assert.equal(lines.filter((l) => l.status === 401).length, 1, `one 401 line: ${JSON.stringify(lines)}`);
  assert.deepEqual(lines.filter((l) => l.operation === 'GetHealthStatus' || l.status === 200), [], 'no line for the pipelined bytes');
});
