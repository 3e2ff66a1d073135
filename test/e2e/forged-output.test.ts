/**
 * Issue 21, finding 3: strings from an unauthenticated client or a hostile proxy cannot forge what `xks explain`,
 * `xks check`, `xks probe`, `xks status` and `xks faults` print. Each test runs the real command (in process,
 * src/cli) against a real listener on 127.0.0.1:0: the proxy's admin listener, or a hostile server that answers
 * with escape sequences, newlines and `|`. What they print must hold no control character but the line breaks the
 * command writes itself, and must show the hostile bytes as visible escapes.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startInProcessProxy, type InProcessProxy } from '../support/in-process-proxy.js';
import { runCli } from '../support/run-cli.js';
import { signedPost } from '../support/signed-post.js';
import { TEST_ACCESS_KEY_ID, TEST_SECRET, testKey } from '../support/test-app.js';

/** The input: sets the terminal's title (OSC 0), then clears the screen (CSI 2J). */
const TITLE_AND_CLEAR = 'x\u001b]0;PWNED\u0007\u001b[2J';
const TITLE_AND_CLEAR_SHOWN = 'x\\x1b]0;PWNED\\x07\\x1b[2J';
/** Any control character but the newline (ASCII-control, DEL, C1, and the separators and bidi controls). */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const ENV = { XKS_SECRET_ACCESS_KEY: TEST_SECRET };

function assertNoRawControl(text: string): void {
  assert.doesNotMatch(text, RAW_CONTROL, `raw control character in:\n${JSON.stringify(text)}`);
}

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

async function hostileServer(handler: Handler): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

describe('forged output: xks explain shows a hostile kmsRequestId escaped', () => {
  let proxy: InProcessProxy;
  before(async () => {
    proxy = await startInProcessProxy({ keys: [testKey('key-1')], config: () => ({ admin: { host: '127.0.0.1', port: 0 } }) });
  });
  after(() => proxy.stop());

  it('explain --recent 5: kmsRequestId x ESC]0;PWNED BEL ESC[2J -> printed as \\x1b..., no raw escape', async () => {
    const { port } = proxy.proxy.server.address() as AddressInfo;
    const r = await signedPost(`http://127.0.0.1:${port}`, '/kms/xks/v1/health', { requestMetadata: { kmsRequestId: TITLE_AND_CLEAR, kmsOperation: `Kms\nHealthCheck` } });
    assert.ok(r.status > 0);
    const adminUrl = proxy.proxy.adminUrl ?? assert.fail('the proxy has an admin listener');
    const run = await runCli(['explain', '--recent', '5', '--url', adminUrl], { cwd: proxy.dir.dir, env: {} });
    assert.equal(run.error, undefined, run.error?.message);
    assert.ok(run.stdout.includes(TITLE_AND_CLEAR_SHOWN), run.stdout);
    assert.ok(run.stdout.includes('kmsOperation Kms\\nHealthCheck'), run.stdout);
    assertNoRawControl(run.stdout);
    // The JSON form stays JSON: the exact kmsRequestId comes back when parsed.
    const raw = await runCli(['explain', '--recent', '5', '--url', adminUrl, '--json'], { cwd: proxy.dir.dir, env: {} });
    const parsed = JSON.parse(raw.stdout) as { decisions: { kmsRequestId?: string }[] };
    assert.ok(parsed.decisions.some((d) => d.kmsRequestId === TITLE_AND_CLEAR));
    assertNoRawControl(raw.stdout);
  });
});

describe('forged output: xks check and xks probe against a hostile proxy', () => {
  let server: Awaited<ReturnType<typeof hostileServer>>;
  const forgedId = 'ekm-1\nXKS OK - all fine | GetHealthStatus=1ms;250';
  before(async () => {
    server = await hostileServer((req, body, res) => {
      // A well-formed health request gets the fleet with forged ids; anything else the forged errorName.
      if (req.url?.endsWith('/health') === true && body.includes('"kmsRequestId"')) {
        json(res, 200, { xksProxyFleetSize: 1, xksProxyVendor: 'v', xksProxyModel: 'm 1', ekmVendor: `e${TITLE_AND_CLEAR}`, ekmFleetDetails: [{ id: forgedId, model: 'm 1', healthStatus: 'DEGRADED' }, { id: `ekm-2${TITLE_AND_CLEAR}`, model: 'm 1', healthStatus: 'ACTIVE' }] });
        return;
      }
      json(res, 400, { errorName: `Validation${TITLE_AND_CLEAR}Exception`, errorMessage: 'no' });
    });
  });
  after(() => server.close());

  it('check: an errorName with escape sequences -> escaped in the table, no raw escape', async () => {
    const run = await runCli(['check', '--endpoint', server.url, '--access-key-id', TEST_ACCESS_KEY_ID, '--key-id', 'key-1', '--only', 'health.without-request-metadata', '--only', 'health.all-active'], { cwd: process.cwd(), env: ENV });
    assert.equal(run.error, undefined, run.error?.message);
    assert.ok(run.stdout.includes(`Validation${TITLE_AND_CLEAR_SHOWN}Exception`), run.stdout);
    // The fleet ids of health.all-active: the newline is shown, the line is not broken.
    assert.ok(run.stdout.includes('ekm-1\\nXKS OK - all fine'), run.stdout);
    assert.equal(run.stdout.split('\n').filter((l) => l.startsWith('XKS OK')).length, 0, run.stdout);
    assertNoRawControl(run.stdout);
    assertNoRawControl(run.stderr);
  });

  it('probe (Nagios text): a fleet id with \\n and | -> one line, performance data only after the real |', async () => {
    const run = await runCli(['probe', '--endpoint', server.url, '--access-key-id', TEST_ACCESS_KEY_ID, '--warn-ms', '60000'], { cwd: process.cwd(), env: ENV });
    assert.equal(run.exitCode, 1, run.stdout);
    const lines = run.stdout.split('\n');
    assert.equal(lines.length, 2, `one line and its newline:\n${run.stdout}`);
    assert.equal(lines[1], '');
    const line = lines[0] ?? '';
    assert.match(line, /^XKS WARNING - /);
    assert.equal(line.split('|').length, 2, `one | (before the performance data):\n${line}`);
    assert.match(line, /\| GetHealthStatus=\d+ms;60000$/);
    assert.ok(line.includes('ekm-1\\nXKS OK - all fine \\x7c GetHealthStatus=1ms;250 DEGRADED'), line);
    assertNoRawControl(run.stdout);
  });

  it('probe --format prometheus: label values escaped, every sample on its own line', async () => {
    const run = await runCli(['probe', '--endpoint', server.url, '--access-key-id', TEST_ACCESS_KEY_ID, '--warn-ms', '60000', '--format', 'prometheus'], { cwd: process.cwd(), env: ENV });
    assertNoRawControl(run.stdout);
    const health = run.stdout.split('\n').filter((l) => l.startsWith('xks_probe_ekm_health_status{'));
    assert.equal(health.length, 6, run.stdout);
    for (const l of health) assert.match(l, /^xks_probe_ekm_health_status\{endpoint="[^"]*",id="(?:[^"\\]|\\.)*",status="[A-Z]+"\} [01]$/, l);
    assert.ok(run.stdout.includes('id="ekm-2x\\\\x1b]0;PWNED\\\\x07\\\\x1b[2J"'), run.stdout);
  });

  it('probe with an unusable --format holding a newline -> XKS UNKNOWN on one line', async () => {
    const run = await runCli(['probe', '--endpoint', server.url, '--access-key-id', TEST_ACCESS_KEY_ID, '--format', 'text\nXKS OK - forged'], { cwd: process.cwd(), env: ENV });
    assert.equal(run.exitCode, 3);
    assert.equal(run.stdout.split('\n').length, 2, run.stdout);
    assert.match(run.stdout, /^XKS UNKNOWN - --format must be one of text, json, prometheus, got text\\nXKS OK - forged\n$/);
  });

  it('probe --json: the exact ids come back when parsed', async () => {
    const run = await runCli(['probe', '--endpoint', server.url, '--access-key-id', TEST_ACCESS_KEY_ID, '--warn-ms', '60000', '--json'], { cwd: process.cwd(), env: ENV });
    const parsed = JSON.parse(run.stdout) as { fleet: { id: string }[] };
    assert.deepEqual(parsed.fleet.map((f) => f.id), [forgedId, `ekm-2${TITLE_AND_CLEAR}`]);
    assertNoRawControl(run.stdout);
  });
});

describe('forged output: xks status and xks faults print an admin listener\'s strings escaped', () => {
  let server: Awaited<ReturnType<typeof hostileServer>>;
  before(async () => {
    server = await hostileServer((req, _body, res) => {
      if (req.url === '/status') {
        json(res, 200, {
          configSource: `config.json${TITLE_AND_CLEAR}`,
          loadedAt: '2026-01-01T00:00:00.000Z',
          loadReason: 'start',
          rejectedReload: { at: 'now', reason: 'SIGHUP', problems: [`keyStores[0].name: bad\nproblem: forged`] },
          keyStores: [
            {
              name: `store${TITLE_AND_CLEAR}`,
              uriPath: '/kms/xks/v1',
              health: 'ACTIVE',
              keys: 1,
              keyFileProblems: [{ file: `evil\u001b[2J.json`, message: 'bad\u009b2J' }],
              healthCheck: { healthStatus: 'DEGRADED', reasons: ['slow\u202eevil'], lastError: `boom${TITLE_AND_CLEAR}`, lastErrorAt: 'now' },
              credentials: [{ accessKeyId: 'AKIAEXAMPLE\u0007', requestCount: 1 }],
            },
          ],
        });
        return;
      }
      if (req.url === '/faults') {
        if (req.method === 'GET') json(res, 200, { faults: [], described: [`latency 300 ms${TITLE_AND_CLEAR}\n2. forged rule`] });
        else json(res, 400, { error: `bad rule${TITLE_AND_CLEAR}`, problems: ['[0].fault: no\u001b[2J'] });
        return;
      }
      json(res, 404, {});
    });
  });
  after(() => server.close());

  it('status: file names, problems and errors with escapes -> escaped, one line each', async () => {
    const run = await runCli(['status', '--url', server.url], { cwd: process.cwd(), env: {} });
    assert.equal(run.error, undefined, run.error?.message);
    assertNoRawControl(run.stdout);
    assert.ok(run.stdout.includes(`key store store${TITLE_AND_CLEAR_SHOWN}`), run.stdout);
    assert.ok(run.stdout.includes('problem: keyStores[0].name: bad\\nproblem: forged'), run.stdout);
    assert.ok(run.stdout.includes('key file problem: evil\\x1b[2J.json: bad\\x9b2J'), run.stdout);
    assert.ok(run.stdout.includes('slow\\u202eevil'), run.stdout);
  });

  it('faults list and a refused faults set: the proxy\'s words escaped, one rule per line', async () => {
    const list = await runCli(['faults', 'list', '--url', server.url], { cwd: process.cwd(), env: {} });
    assert.equal(list.error, undefined, list.error?.message);
    assert.equal(list.stdout, `1. latency 300 ms${TITLE_AND_CLEAR_SHOWN}\\n2. forged rule\n`);
    const set = await runCli(['faults', 'set', 'latency:300', '--url', server.url], { cwd: process.cwd(), env: {} });
    assert.ok(set.error !== undefined);
    const { describeCliError } = await import('../../src/cli/describe-error.js');
    const printed = describeCliError(set.error, undefined);
    assertNoRawControl(printed);
    assert.ok(printed.includes(`bad rule${TITLE_AND_CLEAR_SHOWN}`), printed);
  });
});
