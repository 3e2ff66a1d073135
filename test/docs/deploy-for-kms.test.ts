/**
 * docs/deploy-for-kms.md as written: every `$` command of the page runs here, in order, in a scratch directory that
 * stands for /etc/xks, and its output starts with the lines the page shows (`<...>` matches anything; the scratch
 * directory is printed as /etc/xks). Two steps of the page need a person or the network, and the test stands in:
 * it puts the access key ids `xks credentials new` printed into config.json (the reader's editor), and writes
 * Amazon's four roots from Node's bundle to tls/amazon-root-cas.pem (the page's curl from amazontrust.com).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rootCertificates } from 'node:tls';
import type { ForKmsReport } from '../../src/check/for-kms/check-for-kms.js';
import { startProxyProcess } from '../support/proxy-process.js';
import { REPO_ROOT } from '../support/repo-root.js';
import { runCli, type CliRun } from '../support/run-cli.js';
import { anchorsOf, extractFences } from './markdown.js';

const PAGE = readFileSync(join(REPO_ROOT, 'docs', 'deploy-for-kms.md'), 'utf8');
const ETC = '/etc/xks';
const CHECKOUT = '/path/to/xks-proxy';
const AWS = '/usr/bin/aws';

interface DocCommand {
  readonly command: string;
  /** The output lines the page shows under the command (may be none). */
  readonly output: readonly string[];
}

/** Every `$ ` line of the page's fenced blocks, with the lines under it up to the next `$ ` or the block's end. */
function docCommands(markdown: string): DocCommand[] {
  const commands: { command: string; output: string[] }[] = [];
  for (const fence of extractFences(markdown)) {
    let current: { command: string; output: string[] } | undefined;
    for (const line of fence.body.split('\n')) {
      if (line.startsWith('$ ')) {
        current = { command: line.slice(2), output: [] };
        commands.push(current);
      } else if (current !== undefined && line !== '') current.output.push(line);
    }
  }
  return commands;
}

/** A documented line as a pattern: literal text, `<...>` matching anything. */
function linePattern(documented: string): RegExp {
  const parts = documented.split(/<[^>]+>/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.+')}$`);
}

function assertStartsWith(actual: string, documented: readonly string[], command: string): void {
  const lines = actual.split('\n');
  documented.forEach((d, i) => assert.match(lines[i] ?? '(no line)', linePattern(d), `${command}: output line ${i + 1}`));
}

describe('docs/deploy-for-kms.md: the page\'s commands, run as written', { timeout: 120_000 }, () => {
  let dir: string;
  const ran = new Map<string, CliRun>();
  const ids: string[] = [];
  const commands = docCommands(PAGE);

  const xks = async (command: string): Promise<CliRun> => {
    const run = await runCli(command.split(' ').slice(1), { cwd: dir, env: {} });
    assert.equal(run.error, undefined, `${command}: ${run.error?.message ?? ''} ${run.stderr}`);
    return run;
  };
  const shown = (run: CliRun): string => run.stdout.split(dir).join(ETC);

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'xks-deploy-doc-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the page\'s `$` commands are the ones this test knows how to run, in this order', () => {
    assert.deepEqual(
      commands.map((c) => c.command),
      [
        'mkdir -m 700 secrets keys keys/prod tls',
        'xks credentials new --secret-file secrets/prod-1',
        'xks credentials new --secret-file secrets/prod-2',
        `cp ${CHECKOUT}/examples/production.json config.json`,
        'xks dev-cert --host xks.example.com --out tls',
        'xks keys create prod-key-1 --config config.json',
        'xks config check --for-kms --config config.json --endpoint https://xks.example.com --region eu-west-1',
        'xks config export --config config.json --store prod',
      ],
    );
  });

  it('each command runs in a directory standing for /etc/xks, and prints what the page shows', async () => {
    for (const { command, output } of commands) {
      if (command.startsWith('mkdir ')) {
        execFileSync('sh', ['-c', command], { cwd: dir });
        for (const d of ['secrets', 'keys', 'keys/prod', 'tls']) assert.equal(statSync(join(dir, d)).mode & 0o777, 0o700, d);
        continue;
      }
      if (command.startsWith('cp ')) {
        copyFileSync(join(REPO_ROOT, 'examples', 'production.json'), join(dir, 'config.json'));
        // The reader's edit: the two access key ids `xks credentials new` printed, in place of the example's.
        const text = readFileSync(join(dir, 'config.json'), 'utf8');
        assert.ok(text.includes('AKIAI2SFODNN7EXAMPLE') && text.includes('BQ4TLEXAMPLE2FAKEIDXX'), 'the ids the page says to replace');
        writeFileSync(join(dir, 'config.json'), text.replace('AKIAI2SFODNN7EXAMPLE', ids[0] ?? '').replace('BQ4TLEXAMPLE2FAKEIDXX', ids[1] ?? ''));
        // The page's curl from amazontrust.com: the same four certificates, from Node's bundle.
        const amazon = rootCertificates.filter((p) => /^CN=Amazon Root CA [1-4]$/m.test(new X509Certificate(p).subject));
        assert.equal(amazon.length, 4);
        writeFileSync(join(dir, 'tls', 'amazon-root-cas.pem'), amazon.join('\n'));
        continue;
      }
      assert.match(command, /^xks /);
      const run = await xks(command);
      ran.set(command, run);
      assertStartsWith(shown(run), output, command);
      const id = /^access key id +([A-Z2-7]{20})$/m.exec(run.stdout)?.[1];
      if (command.startsWith('xks credentials new')) {
        assert.ok(id !== undefined, run.stdout);
        ids.push(id);
        assert.equal(statSync(join(dir, command.split(' ').at(-1) ?? '')).mode & 0o777, 0o600);
      }
    }
    assert.equal(ran.size, 6);
  });

  it('the checklist: exactly one fail (tls.public-ca, the development CA), exit status 1, as the page says; --format json agrees', async () => {
    const check = commands.find((c) => c.command.startsWith('xks config check --for-kms'));
    const run = ran.get(check?.command ?? '');
    assert.ok(check !== undefined && run !== undefined);
    assert.equal(run.exitCode, 1);
    // The page shows the whole report: as many lines as the command printed.
    assert.equal(check.output.length, shown(run).trimEnd().split('\n').length);
    assert.match(PAGE, /the last line reads `17 ok, 0 warn, 0 fail: ready for KMS` and the exit status is 0/);
    const json = await xks(`${check.command} --format json`);
    const report = JSON.parse(json.stdout) as ForKmsReport;
    assert.equal(json.exitCode, 1);
    assert.equal(report.passed, false);
    assert.deepEqual(report.points.filter((p) => p.status !== 'ok').map((p) => `${p.id} ${p.status}`), ['tls.public-ca fail']);
    assert.equal(report.counts.ok + report.counts.fail, report.points.length);
  });

  it('config export writes next to the configuration, mode 0600, the file the page\'s aws command reads from /etc/xks', () => {
    const file = join(dir, 'xks-proxy-config-prod.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const exported = JSON.parse(readFileSync(file, 'utf8')) as { XksProxyUriPath: string; XksProxyAuthenticationCredential: { AccessKeyId: string } };
    assert.equal(exported.XksProxyUriPath, '/prod/kms/xks/v1');
    assert.equal(exported.XksProxyAuthenticationCredential.AccessKeyId, ids[0]);
    assert.match(PAGE, /--cli-input-json file:\/\/xks-proxy-config-prod\.json\n/);
    assert.match(PAGE, /`\/etc\/xks\/xks-proxy-config-prod\.json`/);
    assert.deepEqual(readdirSync(join(dir, 'keys', 'prod')).filter((f) => f.endsWith('.json')), ['prod-key-1.json']);
    assert.ok(!existsSync(join(dir, 'keys', 'prod', 'xks-proxy-config-prod.json')));
  });

  it('the exported file is input the AWS CLI v2 accepts for create-custom-key-store (its own --generate-cli-skeleton)', () => {
    const skeleton = JSON.parse(execFileSync(AWS, ['kms', 'create-custom-key-store', '--generate-cli-skeleton', 'input'], { encoding: 'utf8', timeout: 60_000 })) as Record<string, unknown>;
    const exported = JSON.parse(readFileSync(join(dir, 'xks-proxy-config-prod.json'), 'utf8')) as Record<string, unknown>;
    const shape = (v: unknown): unknown => (v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)])) : typeof v);
    const pick = (from: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> => Object.fromEntries(keys.map((k) => [k, from[k]]));
    assert.deepEqual(shape(exported), shape(pick(skeleton, Object.keys(exported))));
    // The page's command gives the other parameters, not these two.
    const command = /aws kms create-custom-key-store [^\n]*\n[^\n]*\n[^\n]*\n/.exec(PAGE)?.[0] ?? '';
    assert.match(command, /--xks-proxy-uri-endpoint https:\/\/xks\.example\.com/);
    assert.doesNotMatch(command, /--xks-proxy-uri-path|--xks-proxy-authentication-credential/);
  });

  it('the configuration serves: `xks serve --config config.json` (moved to 127.0.0.1 and free ports) listens on https with it', async () => {
    assert.match(PAGE, /start\nthe proxy: `xks serve --config \/etc\/xks\/config\.json`/);
    const proxy = await startProxyProcess(['serve', '--config', 'config.json', '--host', '127.0.0.1', '--port', '0', '--admin-port', '0', '--no-watch'], { cwd: dir, timeoutMs: 60_000 });
    try {
      assert.match(proxy.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await proxy.stop();
    }
  });

  it('every docs/deploy-for-kms.md#anchor the checklist prints as a fix is a heading of the page', () => {
    const anchors = anchorsOf(PAGE);
    const sources = ['config-points.ts', 'tls-points.ts'].map((f) => readFileSync(join(REPO_ROOT, 'src', 'check', 'for-kms', f), 'utf8')).join('\n');
    const used = [...sources.matchAll(/\$\{DEPLOY_DOC\}#([a-z0-9-]+)/g)].map((m) => m[1] ?? '');
    assert.ok(used.length >= 4, used.join(' '));
    for (const a of used) assert.ok(anchors.has(a), `#${a}`);
  });
});
