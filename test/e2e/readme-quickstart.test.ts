/**
 * The README's first screen, as written: `npx xks kms --with-proxy`, then the AWS CLI v2 lines create, connect and
 * describe a custom key store (CONNECTED) and do an encrypt/decrypt round trip. The block is read from README.md,
 * so the test fails when the README changes into something that does not work.
 *
 * What the test changes, and why: it runs in an empty temporary directory (so ./keys/dev is the test's own);
 * `npx xks` becomes `node <repo>/bin/xks.js` (the file npx runs, see first-hour-cli.test.ts for npx itself);
 * ports 7700/7800 become free ports chosen by the process (port 0) and the URLs it prints; `aws` is /usr/bin/aws
 * (v2); and the emulator gets --proxy-timeout-ms 2000 instead of KMS's 250 ms, so a loaded CI machine does not
 * turn the Connect probe into XKS_PROXY_TIMED_OUT.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { extractFences, withoutFences } from '../docs/markdown.js';
import { REPO_ROOT, startProxyProcess } from '../support/proxy-process.js';
import { runtimeEnv } from '../support/runtime-env.js';

const AWS = '/usr/bin/aws';

/** The first ```sh block of the README section whose heading starts with `## Quickstart`. */
function quickstartBlock(): string[] {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const start = withoutFences(readme).split('\n').findIndex((l) => l.startsWith('## Quickstart'));
  assert.ok(start >= 0, 'README has no "## Quickstart" section');
  const section = readme.split('\n').slice(start).join('\n');
  const fence = extractFences(section).find((f) => f.lang === 'sh');
  assert.ok(fence, 'the Quickstart section has no ```sh block');
  return fence.body.split('\n').filter((l) => l.trim() !== '');
}

test('README quickstart: clone -> CONNECTED custom key store -> encrypt/decrypt round trip with the AWS CLI v2', { timeout: 120_000 }, async () => {
  assert.ok(existsSync(AWS), `${AWS} not installed (apt-get install awscli)`);
  const [first, ...rest] = quickstartBlock();
  assert.match(first ?? '', /^npx xks kms --with-proxy\b/);
  assert.ok(rest.length <= 5, `the quickstart should stay short, has ${rest.length + 1} lines`);
  const dir = mkdtempSync(join(tmpdir(), 'xks-quickstart-'));
  const xks = `${process.execPath} ${join(REPO_ROOT, 'bin', 'xks.js')}`;
  const startArgs = (first ?? '').replace(/#.*$/, '').trim().split(/\s+/).slice(2); // drop "npx xks"
  const sandbox = await startProxyProcess([...startArgs, '--port', '0', '--proxy-port', '0', '--proxy-admin-port', '0', '--proxy-timeout-ms', '2000'], {
    cwd: dir,
    timeoutMs: 60_000,
    ready: /kms emulator listening on (http:\/\/\S+)/,
  });
  try {
    const proxyUrl = /^proxy listening on (http:\/\/\S+)/m.exec(sandbox.stderr())?.[1];
    assert.ok(proxyUrl, sandbox.stderr());
    const script = rest
      .join('\n')
      .replaceAll('http://127.0.0.1:7800', sandbox.url)
      .replaceAll('http://127.0.0.1:7700', proxyUrl)
      .replaceAll('npx xks', xks);
    assert.ok(!/:7[78]00\b/.test(script), `a fixed port is left in the quickstart:\n${script}`);
    const env = runtimeEnv({ PATH: '/usr/bin:/bin', HOME: dir, AWS_CONFIG_FILE: join(dir, 'aws-config'), AWS_PAGER: '' });
    const run = { ...spawnSync('bash', ['-e', '-c', script], { cwd: dir, encoding: 'utf8', timeout: 90_000, env }), env };
    assert.equal(run.status, 0, `quickstart failed (${run.status}):\n${run.stderr}\n${run.stdout}\nemulator+proxy:\n${sandbox.stderr()}`);
    assert.deepEqual(run.stdout.trim().split('\n'), ['"CONNECTED"', 'hello'], run.stdout);
    // Run again without the reset the README gives: the create is refused (the store exists) and the chain stops
    // there: no connect, no create-key on an empty $ID, one error only.
    const again = spawnSync('bash', ['-c', script], { cwd: dir, encoding: 'utf8', timeout: 90_000, env });
    assert.notEqual(again.status, 0, again.stdout);
    assert.match(again.stderr, /CustomKeyStoreNameInUseException/);
    assert.equal(again.stderr.match(/An error occurred/g)?.length, 1, again.stderr);
    assert.equal(again.stdout.trim(), '', again.stdout);
  } finally {
    await sandbox.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
