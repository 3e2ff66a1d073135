/**
 * `xks config check --for-kms` as a command (in-process, real files): exit 0 with warnings only, the wording of the
 * last line, usage errors, an invalid configuration reported as by plain `config check`, and no secret in the report.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ForKmsReport } from '../../src/check/for-kms/check-for-kms.js';
import { createTempProxyDir, type TempProxyDir } from '../support/proxy-process.js';
import { runCli } from '../support/run-cli.js';
import { TEST_SECRET, testKey } from '../support/test-app.js';

describe('xks config check --for-kms', () => {
  let dir: TempProxyDir;
  before(() => {
    // Plain HTTP on every interface behind a TLS load balancer, the secret inline, one credential, us-east-1 only.
    dir = createTempProxyDir({ keys: [testKey('key-1')], extraConfig: { listen: { host: '0.0.0.0', port: 7700 } } });
  });
  after(() => dir?.cleanup());

  it('warnings only -> exit 0, "KMS can use it; read the warnings", and the inline secret is never printed', async () => {
    const r = await runCli(['config', 'check', '--for-kms', '--config', 'config.json'], { cwd: dir.dir });
    assert.equal(r.error, undefined, r.stderr);
    assert.equal(r.exitCode, 0);
    assert.match(r.stdout, /^WARN  tls +plain HTTP/m);
    assert.match(r.stdout, /^WARN  keyStores\.e2e\.credentials +secret of AKIAI2SFODNN7EXAMPLE written in the configuration file/m);
    assert.match(r.stdout, /^WARN  keyStores\.e2e\.regions +accepts us-east-1 only, the dev default/m);
    assert.match(r.stdout, /^WARN  endpoint +not given/m);
    assert.match(r.stdout, /\d+ ok, \d+ warn, 0 fail: KMS can use it; read the warnings\n$/);
    const json = await runCli(['config', 'check', '--for-kms', '--config', 'config.json', '--format', 'json'], { cwd: dir.dir });
    const report = JSON.parse(json.stdout) as ForKmsReport;
    assert.equal(report.passed, true);
    assert.equal(report.counts.fail, 0);
    for (const out of [r.stdout, r.stderr, json.stdout, json.stderr]) assert.ok(!out.includes(TEST_SECRET), 'the secret is not in the report');
  });

  it('usage errors: --format yaml, a bad --region, --endpoint without --for-kms', async () => {
    const cases: [string[], RegExp][] = [
      [['--for-kms', '--format', 'yaml'], /--format must be text or json/],
      [['--for-kms', '--region', 'europe'], /--region must be a Region name/],
      [['--endpoint', 'https://xks.example.com'], /--endpoint, --region and --format go with --for-kms/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['config', 'check', '--config', 'config.json', ...args], { cwd: dir.dir });
      assert.match(r.error?.message ?? '', message, args.join(' '));
      assert.equal(r.stdout, '');
    }
  });

  it('an invalid configuration: the validation error, as plain `config check` reports it; no checklist', async () => {
    writeFileSync(join(dir.dir, 'bad.json'), JSON.stringify({ listen: { host: '0.0.0.0' }, keyStores: [] }));
    const r = await runCli(['config', 'check', '--for-kms', '--config', 'bad.json'], { cwd: dir.dir });
    assert.match(r.error?.message ?? '', /invalid configuration .*bad\.json:\n {2}- keyStores/);
    assert.doesNotMatch(r.stdout, /production checklist/);
  });
});
