/**
 * `xks explain <kmsRequestId>` for every refusal class of the order of checks (src/proxy/explain/decision-log.ts CHECKS):
 * each row makes the proxy refuse at one check, then runs the real `xks explain` command against a real admin
 * listener on 127.0.0.1:0 and requires the printed trace to name the deciding check, the checks that passed before
 * it, and the facts that check decided on (canonical request and string to sign; the two times; the rule; the key's
 * state and usage). Requests are signed by aws4, an implementation independent of ours.
 */
import aws4 from 'aws4';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createAdminApp } from '../../../src/proxy/admin/create-admin-app.js';
import { buildProgram } from '../../../src/cli/build-program.js';
import { createDecisionLog, type DecisionLog, type DecisionRecord } from '../../../src/proxy/explain/decision-log.js';
import { createRequestThrottle } from '../../../src/proxy/throttle/request-throttle.js';
import { escapeHtml } from '../../../src/kms-emulator/console/html.js';
import { renderDecision } from '../../../src/kms-emulator/console/proxy-calls-view.js';
import { formatFact } from '../../../src/proxy/explain/explain-decision.js';
import { CHECKS } from '../../../src/proxy/explain/decision-log.js';
import { formatAmzDate } from '../../../src/sigv4/index.js';
import { createTestApp, kmsMetadata, signedRequest, TEST_ACCESS_KEY_ID, TEST_HOST, TEST_NOW, TEST_REGION, TEST_SECRET, type SignOptions, type TestApp, type TestAppOptions } from '../../support/test-app.js';
import { decryptPath, encryptBody, encryptPath, flipB64, HEALTH } from '../../support/http-assertions.js';
import { REPO_ROOT } from '../../support/repo-root.js';
import { testTempDir } from '../../support/temp-dir.js';

const WRONG_SECRET = 'WRONGWRONGWRONGWRONGWRONGWRONGWRONGWRONGWRO';

/** Run `xks <args>` in process; returns what it printed (stdout) or the error it threw. */
async function xks(args: readonly string[]): Promise<string> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  await buildProgram({ env: {}, cwd: tmpdir(), stdout, stderr, stopSignal: new Promise(() => {}) })
    .exitOverride()
    .parseAsync(['node', 'xks', ...args]);
  return out;
}

/**
 * Sign with aws4 and send over a real socket with `req.end(body)`, which writes the headers and a small body in one
 * go, as the emulator (and KMS) do: a refusal decided from the headers alone still finds the body's kmsRequestId.
 */
async function sendInOneWrite(t: TestApp, path: string, body: unknown, options: SignOptions = {}): Promise<{ status: number }> {
  const raw = JSON.stringify(body);
  const method = options.method ?? 'POST';
  const signed = aws4.sign(
    { host: TEST_HOST, method, path, service: 'kms-xks-proxy', region: TEST_REGION, headers: { Host: TEST_HOST, 'X-Amz-Date': formatAmzDate(options.time ?? TEST_NOW), 'Content-Type': 'application/json' }, body: raw },
    { accessKeyId: options.accessKeyId ?? TEST_ACCESS_KEY_ID, secretAccessKey: options.secret ?? TEST_SECRET },
  );
  const server = await new Promise<Server>((ok) => {
    const s = t.app.listen(0, '127.0.0.1', () => ok(s));
  });
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise((ok, fail) => {
      const req = request({ host: '127.0.0.1', port, path, method, headers: signed.headers as Record<string, string>, agent: false }, (res) => {
        res.resume();
        res.on('end', () => ok({ status: res.statusCode ?? 0 }));
      });
      req.on('error', fail);
      req.end(raw);
    });
  } finally {
    server.closeAllConnections();
    await new Promise<void>((ok) => server.close(() => ok()));
  }
}

describe('xks explain and the console explanation: every refusal class of the order of checks', () => {
  let server: Server;
  let adminUrl: string;
  /** The log the admin listener serves; each row's app writes into it. */
  const decisions: DecisionLog = createDecisionLog();
  const policyDir = testTempDir('xks-explain-');
  const policy = join(policyDir, 'policy.json');
  writeFileSync(policy, JSON.stringify({ default: 'deny', rules: [{ id: 'only-key-1', effect: 'allow', when: { externalKeyId: 'key-1' } }] }));

  before(async () => {
    const admin = createAdminApp({ status: () => ({ configSource: 'test', loadedAt: '', loadReason: '', keyStores: [] }), decisions });
    server = await new Promise<Server>((ok) => {
      const s = admin.listen(0, '127.0.0.1', () => ok(s));
    });
    adminUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((ok) => server.close(() => ok())));

  const app = (options: TestAppOptions = {}) => createTestApp({ ...options, deps: { decisions, ...options.deps } });
  const meta = (id: string, op = 'Encrypt') => kmsMetadata(op, { kmsRequestId: id });

  interface Row {
    readonly check: string;
    readonly errorName: string;
    /** Sends the request; the kmsRequestId it carries is `id`. */
    send(id: string): Promise<{ status: number }>;
    /** Facts the printed explanation must contain. */
    readonly expect: readonly RegExp[];
    readonly passed?: readonly string[];
    readonly anonymous?: boolean;
  }

  const rows: Row[] = [
    {
      check: 'route',
      errorName: 'InvalidUriPathException',
      send: (id) => sendInOneWrite(app(), '/wrong/prefix/kms/xks/v1/keys/key-1/encrypt', encryptBody('x', { requestMetadata: meta(id) })),
      expect: [/no route for \/wrong\/prefix/],
    },
    {
      check: 'method',
      errorName: '',
      send: (id) => sendInOneWrite(app(), encryptPath('key-1'), encryptBody('x', { requestMetadata: meta(id) }), { method: 'PUT' }),
      expect: [/method: PUT/, /allowed: POST/],
      passed: ['route'],
    },
    {
      check: 'concurrency',
      errorName: 'ThrottlingException',
      send: (id) => {
        const throttle = createRequestThrottle(() => TEST_NOW);
        assert.ok(throttle.tryEnter(1) !== undefined, 'the only slot is taken');
        const t = app({ rawConfig: { throttling: { maxConcurrentRequests: 1 } }, deps: { throttle } });
        return sendInOneWrite(t, encryptPath('key-1'), encryptBody('x', { requestMetadata: meta(id) }));
      },
      expect: [/maxConcurrentRequests 1 reached/],
      passed: ['route', 'method', 'sigv4-headers', 'body-size', 'signature'],
    },
    {
      check: 'sigv4-headers',
      errorName: 'AuthenticationFailedException',
      send: (id) => sendInOneWrite(app(), encryptPath('key-1'), encryptBody('x', { requestMetadata: meta(id) }), { time: TEST_NOW - 6 * 60_000 }),
      expect: [/sigv4Failure: clock-skew/, /requestTime: 2026-11-28T11:54:00\.000Z/, /proxyTime: 2026-11-28T12:00:00\.000Z/, /skewSeconds: -360/, /limitSeconds: 300/],
      passed: ['route', 'method'],
    },
    {
      check: 'sigv4-headers',
      errorName: 'AuthenticationFailedException',
      send: (id) => sendInOneWrite(app(), encryptPath('key-1'), encryptBody('x', { requestMetadata: meta(id) }), { accessKeyId: 'AKIAUNKNOWNUNKNOWN22' }),
      expect: [/sigv4Failure: unknown-access-key-id/, /AKIAUNKNOWNUNKNOWN22/],
    },
    {
      check: 'body-size',
      errorName: 'UnsupportedOperationException',
      send: (id) => signedRequest(app().app, encryptPath('key-1'), { ...encryptBody('x', { requestMetadata: meta(id) }), padding: 'p'.repeat(300 * 1024) }),
      expect: [/larger than this proxy's limit/],
      passed: ['route', 'method', 'sigv4-headers'],
      // Refused from Content-Length before the body is read: no kmsRequestId, so found with --recent.
      anonymous: true,
    },
    {
      check: 'signature',
      errorName: 'AuthenticationFailedException',
      send: (id) => signedRequest(app().app, encryptPath('key-1'), encryptBody('x', { requestMetadata: meta(id) }), { secret: WRONG_SECRET }),
      expect: [
        /sigv4Failure: signature-mismatch/,
        /canonicalRequest:\n\s+\| POST\n\s+\| \/kms\/xks\/v1\/keys\/key-1\/encrypt\n\s+\| \n\s+\| content-length:\d+\n\s+\| content-type:application\/json\n\s+\| host:xks\.example\.com\n/,
        /stringToSign:\n\s+\| AWS4-HMAC-SHA256\n\s+\| 20261128T120000Z\n\s+\| 20261128\/us-east-1\/kms-xks-proxy\/aws4_request\n\s+\| [0-9a-f]{64}/,
      ],
      passed: ['route', 'method', 'sigv4-headers', 'body-size'],
    },
    {
      check: 'kill-switch',
      errorName: 'InvalidStateException',
      send: (id) =>
        signedRequest(app({ store: { blocked: { by: 'ops-oncall', at: '2026-11-28T10:00:00Z', reason: 'incident 42' } } }).app, encryptPath('key-1'), encryptBody('x', { requestMetadata: meta(id) })),
      expect: [/blockedBy: ops-oncall/, /blockedReason: incident 42/],
      passed: ['signature', 'concurrency'],
    },
    {
      check: 'quota',
      errorName: 'ThrottlingException',
      send: async (id) => {
        const t = app({ store: { quota: { requestsPerSecond: 1, burst: 1 } } });
        await signedRequest(t.app, encryptPath('key-1'), encryptBody('x', { requestMetadata: meta(`${id}-first`) }));
        return signedRequest(t.app, encryptPath('key-1'), encryptBody('x', { requestMetadata: meta(id) }));
      },
      expect: [/requestsPerSecond: 1/, /burst: 1/],
      passed: ['kill-switch'],
    },
    {
      check: 'body',
      errorName: 'ValidationException',
      send: (id) => signedRequest(app().app, encryptPath('key-1'), encryptBody('x', { requestMetadata: meta(id), encryptionAlgorithm: 'ROT13' })),
      expect: [/encryptionAlgorithm/],
      passed: ['quota'],
    },
    {
      check: 'authorization',
      errorName: 'AccessDeniedException',
      send: (id) => signedRequest(app({ store: { authorizationPolicy: policy } }).app, encryptPath('key-2'), encryptBody('x', { requestMetadata: meta(id) })),
      expect: [/rule: default/, /policyFile: .*policy\.json/],
      passed: ['body'],
    },
    {
      check: 'key',
      errorName: 'KeyNotFoundException',
      send: (id) => signedRequest(app().app, encryptPath('no-such-key'), encryptBody('x', { requestMetadata: meta(id) })),
      expect: [/externalKeyId: no-such-key/],
      passed: ['authorization'],
    },
    {
      check: 'key-state',
      errorName: 'InvalidStateException',
      send: (id) => signedRequest(app().app, encryptPath('key-disabled'), encryptBody('x', { requestMetadata: meta(id) })),
      expect: [/keyStatus: DISABLED/, /keyUsage: ENCRYPT, DECRYPT/],
      passed: ['key'],
    },
    {
      check: 'key-usage',
      errorName: 'InvalidKeyUsageException',
      send: (id) => signedRequest(app().app, encryptPath('key-decrypt-only'), encryptBody('x', { requestMetadata: meta(id) })),
      expect: [/keyStatus: ENABLED/, /keyUsage: DECRYPT\n/, /requiredUsage: ENCRYPT/],
      passed: ['key-state'],
    },
    {
      check: 'crypto',
      errorName: 'InvalidCiphertextException',
      send: async (id) => {
        const t = app();
        const enc = await signedRequest(t.app, encryptPath('key-1'), encryptBody('secret words', { requestMetadata: meta(`${id}-enc`) }));
        const out = enc.body as Record<string, string>;
        return signedRequest(t.app, decryptPath('key-1'), {
          requestMetadata: meta(id, 'Decrypt'),
          encryptionAlgorithm: 'AES_GCM',
          ciphertext: out['ciphertext'],
          ciphertextMetadata: out['ciphertextMetadata'],
          initializationVector: out['initializationVector'],
          authenticationTag: flipB64(out['authenticationTag'] ?? ''),
        });
      },
      expect: [/InvalidCiphertextException/],
      passed: ['key-usage'],
    },
  ];

  rows.forEach((row, i) => {
    it(`explain: refused by ${row.check}${row.errorName === '' ? '' : ` (${row.errorName})`} -> names the check, the checks before it and its facts`, async () => {
      const id = `explain-row-${i}-${row.check}`;
      const res = await row.send(id);
      assert.ok(res.status >= 400, `the request is refused (got ${res.status})`);
      const text = await xks(row.anonymous === true ? ['explain', '--recent', '1', '--url', adminUrl] : ['explain', id, '--url', adminUrl]);
      if (row.anonymous === true) assert.match(text, /kmsRequestId \(not known: refused before the body was read\)/);
      assert.match(text, new RegExp(`refused ${res.status} ${row.errorName}.*by the ${row.check} check`), text);
      assert.match(text, new RegExp(`REFUSED\\s+${row.check}\\s`), text);
      assert.equal((text.match(/REFUSED/g) ?? []).length, 1, text);
      for (const passed of row.passed ?? []) assert.match(text, new RegExp(`passed\\s+${passed}\\s`), `${passed} is listed as passed:\n${text}`);
      for (const fact of row.expect) assert.match(text, fact, text);
      // The console's explanation (the Proxy calls page) of the same record: the deciding check and every fact.
      const record = row.anonymous === true ? decisions.recent(1)[0] : decisions.find(id)[0];
      assert.ok(record !== undefined);
      const page = renderDecision(record).value;
      assert.match(page, new RegExp(`<li class="refused" data-check="${row.check}"><span class="mark">\u2715 REFUSED</span>`));
      assert.equal((page.match(/class="refused"/g) ?? []).length, 1);
      for (const passed of row.passed ?? []) assert.match(page, new RegExp(`<li class="passed" data-check="${passed}">`));
      for (const [name, value] of Object.entries(record.facts)) {
        assert.ok(page.includes(`<dt>${escapeHtml(name)}</dt><dd>`), `console shows fact ${name}`);
        assert.ok(page.includes(escapeHtml(formatFact(value))), `console shows the value of ${name}`);
      }
      if (row.anonymous === true) return;
      const json = JSON.parse(await xks(['explain', id, '--url', adminUrl, '--json'])) as { decisions: DecisionRecord[] };
      assert.equal(json.decisions[0]?.decidedBy, row.check);
      assert.equal(json.decisions[0]?.kmsRequestId, id);
    });
  });

  it('explain: an answered request -> every check of the operation passed, none refused', async () => {
    const res = await signedRequest(app().app, encryptPath('key-1'), encryptBody('hello', { requestMetadata: meta('explain-ok') }));
    assert.equal(res.status, 200);
    const text = await xks(['explain', 'explain-ok', '--url', adminUrl]);
    assert.match(text, /Encrypt on key store test key key-1: answered 200/);
    assert.doesNotMatch(text, /REFUSED/);
    for (const check of ['route', 'signature', 'authorization', 'key-usage', 'crypto']) assert.match(text, new RegExp(`passed\\s+${check}\\s`));
  });

  it('explain: health -> only the checks health runs (no quota, authorization or key)', async () => {
    const res = await signedRequest(app().app, HEALTH, { requestMetadata: { kmsRequestId: 'explain-health', kmsOperation: 'KmsHealthCheck' } });
    assert.equal(res.status, 200);
    const text = await xks(['explain', 'explain-health', '--url', adminUrl]);
    assert.match(text, /passed\s+kill-switch\s.*\n\s+passed\s+body\s/);
    assert.doesNotMatch(text, /quota|authorization|key-state/);
  });

  it('explain: unknown kmsRequestId -> an error that says what is kept and how to list it', async () => {
    await assert.rejects(xks(['explain', 'never-sent', '--url', adminUrl]), /no decision kept for kmsRequestId never-sent .*--recent/);
  });

  it('explain --recent 2 -> the two newest decisions, newest first', async () => {
    await signedRequest(app().app, encryptPath('key-1'), encryptBody('x', { requestMetadata: meta('recent-a') }));
    await signedRequest(app().app, encryptPath('no-such-key'), encryptBody('x', { requestMetadata: meta('recent-b') }));
    const text = await xks(['explain', '--recent', '2', '--url', adminUrl]);
    const ids = [...text.matchAll(/kmsRequestId (\S+)/g)].map((m) => m[1]);
    assert.deepEqual(ids, ['recent-b', 'recent-a']);
  });

  it('docs/api.md: the "Name in xks explain" column lists the checks in the order the proxy runs them', () => {
    const api = readFileSync(join(REPO_ROOT, 'docs', 'api.md'), 'utf8');
    const names = [...api.matchAll(/^\| \d+ \| .* \| `([a-z0-9-]+)` \|$/gm)].map((m) => m[1]);
    assert.deepEqual(names, [...CHECKS]);
  });

  it('decision log: bounded ring -> the oldest records are pushed out and counted', () => {
    const log = createDecisionLog(3);
    const entry = { atMs: TEST_NOW, kmsOperation: undefined, keyStore: undefined, operation: undefined, externalKeyId: undefined, accessKeyId: undefined, errorName: undefined, decidedBy: undefined };
    for (let i = 0; i < 5; i++) log.record({ ...entry, kmsRequestId: `r${i}`, status: 200, outcome: 'answered', facts: {} });
    assert.deepEqual(log.stats(), { capacity: 3, size: 3, recorded: 5 });
    assert.deepEqual(log.recent(10).map((r) => r.kmsRequestId), ['r4', 'r3', 'r2']);
    assert.deepEqual(log.find('r0'), []);
  });
});
