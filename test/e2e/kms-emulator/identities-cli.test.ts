/**
 * `xks kms --identities FILE` as a real process: a strict file makes an unknown access key
 * UnrecognizedClientException for the AWS CLI v2 while a listed key works; a broken file stops the start with
 * every problem listed.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runAwsCli } from '../../support/aws-cli.js';
import { startProxyProcess, type ProxyProcess } from '../../support/proxy-process.js';
import { runCli } from '../../support/run-cli.js';
import { testTempDir } from '../../support/temp-dir.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';

describe('xks kms --identities', { timeout: 120_000 }, () => {
  const dir = testTempDir('kms-identities-');
  let kms: ProxyProcess;
  before(async () => {
    writeFileSync(join(dir, 'identities.json'), JSON.stringify({ strict: true, identities: [{ accessKeyId: 'AKIACLICALLER00002', principalArn: 'arn:aws:iam::111122223333:user/cli-admin' }] }));
    kms = await startProxyProcess(['kms', '--port', '0', '--state', ':memory:', '--no-console', '--identities', 'identities.json'], { cwd: dir, ready: /kms emulator listening on (http:\/\/\S+)/ });
  });
  after(async () => {
    await kms?.stop();
  });

  it('strict: an unknown key -> UnrecognizedClientException; the listed key works', async () => {
    const unknown = await runAwsCli(['kms', 'list-keys'], { endpoint: kms.url, accessKeyId: 'AKIAUNKNOWN0000003', secretAccessKey: SECRET });
    assert.match(unknown.stderr, /An error occurred \(UnrecognizedClientException\) when calling the ListKeys operation: The security token included in the request is invalid\./);
    const listed = await runAwsCli(['kms', 'list-keys'], { endpoint: kms.url, accessKeyId: 'AKIACLICALLER00002', secretAccessKey: SECRET });
    assert.equal(listed.status, 0, listed.stderr);
  });

  it('a broken identities file: the start fails listing every problem', async () => {
    writeFileSync(join(dir, 'broken.json'), JSON.stringify({ strict: 'yes', identities: [{ accessKeyId: 'lower', principalArn: 'nope' }] }));
    const r = await runCli(['kms', '--port', '0', '--state', ':memory:', '--no-console', '--identities', 'broken.json'], { cwd: dir });
    assert.ok(r.error, 'the command failed');
    assert.match(r.error.message, /--identities .*broken\.json: 3 problem\(s\)/);
    assert.match(r.error.message, /"strict" must be true or false/);
    assert.match(r.error.message, /identities\[0\]\.accessKeyId/);
    assert.match(r.error.message, /identities\[0\]\.principalArn/);
  });
});
