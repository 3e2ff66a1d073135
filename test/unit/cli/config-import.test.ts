import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../../support/run-cli.js';

const VECTORS = resolve(import.meta.dirname, '../../vectors/aws-sample');
const SECRETS = ['O4RWPhPYxD5vROTX4uAuDrvhYtWMmOVFTi+RjgPrXrg=', '04JXhc7yvBgTh2Kbj4Dd9/tt670+KywIdb8yMizt184=', '7391-softhsm-pin'];

function sampleCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'xks-import-'));
  cpSync(VECTORS, join(dir, 'xks-axum'), { recursive: true });
  mkdirSync(join(dir, 'keys'), { mode: 0o700 });
  return dir;
}

test('xks config import --from-aws-sample bootstrap.toml: follows XKS_PROXY_SETTINGS_TOML; config and secret files 0600; no secret printed; the result passes xks config check', async () => {
  const dir = sampleCopy();
  try {
    const args = ['config', 'import', '--from-aws-sample', 'xks-axum/configuration/bootstrap.toml', '--out', 'new/config.json', '--key-directory', 'keys'];
    const run = await runCli(args, { cwd: dir });
    assert.equal(run.error, undefined, run.error?.message);
    assert.match(run.stdout, /^read .*xks-axum\/configuration\/settings_softhsmv2\.toml$/m);
    assert.match(run.stdout, /wrote .*new\/config\.json and 2 secret file\(s\) \(mode 0600\)/);
    for (const s of SECRETS) assert.equal(run.stdout.includes(s) || run.stderr.includes(s), false, 'a secret was printed');
    const config = readFileSync(join(dir, 'new/config.json'), 'utf8');
    for (const s of SECRETS) assert.equal(config.includes(s), false, 'a secret in the configuration');
    for (const [file, content] of [['new/secrets/default.secret', SECRETS[0]], ['new/secrets/tenant-a-prod.secret', SECRETS[1]]] as const) {
      assert.equal(statSync(join(dir, file)).mode & 0o777, 0o600, file);
      assert.equal(readFileSync(join(dir, file), 'utf8'), content);
    }
    assert.equal(statSync(join(dir, 'new/config.json')).mode & 0o777, 0o600);
    const check = await runCli(['config', 'check', '--config', 'new/config.json'], { cwd: dir });
    assert.equal(check.error, undefined, check.error?.message);
    assert.match(check.stdout, /key store default: \/kms\/xks\/v1, 1 credential\(s\)/);
    assert.match(check.stdout, /key store tenant-a-prod: \/tenant-a\/prod\/kms\/xks\/v1, 1 credential\(s\)/);

    const again = await runCli(args, { cwd: dir });
    assert.match(again.error?.message ?? '', /refusing to overwrite .*config\.json.*\(give --force\)/);
    const forced = await runCli([...args, '--force'], { cwd: dir });
    assert.equal(forced.error, undefined, forced.error?.message);
    const inKeys = await runCli(['config', 'import', '--from-aws-sample', 'xks-axum/configuration/bootstrap.toml', '--out', 'keys/config.json', '--key-directory', 'keys'], { cwd: dir });
    assert.match(inKeys.error?.message ?? '', /inside the key directory/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('xks config import: bad TOML -> file, line and column and the reason, never the text of the line (it may hold a secret)', async () => {
  const dir = sampleCopy();
  try {
    const file = join(dir, 'broken.toml');
    writeFileSync(file, '[server]\nip = "0.0.0.0"\n\n[pkcs11]\nuser_pin = "Hunter2-secret-pin\nPKCS11_HSM_MODULE = "/x.so"\n');
    const run = await runCli(['config', 'import', '--from-aws-sample', file], { cwd: dir });
    const message = run.error?.message ?? '';
    assert.match(message, /broken\.toml:5:\d+: invalid TOML \(line 5, column \d+\): \S/);
    assert.equal(message.includes('Hunter2'), false, 'the bad line is not echoed');
    const dup = join(dir, 'dup.toml');
    writeFileSync(dup, '[server]\nport = 1\nport = 2\n');
    const second = await runCli(['config', 'import', '--from-aws-sample', dup], { cwd: dir });
    assert.match(second.error?.message ?? '', /dup\.toml:3:\d+: invalid TOML \(line 3, column \d+\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('xks config import: settings the sample would refuse -> every problem listed, nothing written', async () => {
  const dir = sampleCopy();
  try {
    const file = join(dir, 'xks-axum/configuration/settings_softhsmv2.toml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('sigv4_access_key_id = "CPGADDJVVFPJHKYTWALZ"', 'sigv4_access_key_id = ""').replace('region = "eu-west-1"', 'region = "moon"'));
    const run = await runCli(['config', 'import', '--from-aws-sample', file, '--out', 'out/config.json', '--key-directory', 'keys'], { cwd: dir });
    assert.match(run.error?.message ?? '', /server\.region: "moon"[\s\S]*external_key_stores\[0\]\.sigv4_access_key_id: must be 20-30 chars/);
    assert.throws(() => statSync(join(dir, 'out')), /ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('xks config import --sample-dir: the sample\'s relative paths (tls/*.pem) resolve against it; --uri-path-prefix picks one store', async () => {
  const dir = sampleCopy();
  try {
    const settings = join(dir, 'settings_luna.toml');
    cpSync(join(VECTORS, 'configuration', 'settings_luna.toml'), settings);
    const run = await runCli(['config', 'import', '--from-aws-sample', settings, '--sample-dir', '/srv/xks-axum', '--out', 'luna.json', '--key-directory', 'keys', '--uri-path-prefix', '/luna/keys'], { cwd: dir });
    assert.equal(run.error, undefined, run.error?.message);
    const config = JSON.parse(readFileSync(join(dir, 'luna.json'), 'utf8')) as { listen: { tls: { certFile: string; keyFile: string; clientAuth: { caFile: string } } }; keyStores: { name: string }[] };
    assert.equal(config.listen.tls.certFile, '/srv/xks-axum/tls/luna_server_cert.pem');
    assert.equal(config.listen.tls.keyFile, '/srv/xks-axum/tls/luna_server_key.pem');
    assert.equal(config.listen.tls.clientAuth.caFile, '/etc/xks/client_ca.pem', 'absolute paths stay');
    assert.deepEqual(config.keyStores.map((s) => s.name), ['luna-keys']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
