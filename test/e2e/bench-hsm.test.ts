/**
 * `npm run bench`'s HSM rows (docs/performance.md): the bench's `hsm` server is a real `xks serve` whose key is in a
 * fresh SoftHSM2 token, answering the same signed Encrypt and Decrypt requests as the key-file proxy; its token goes
 * away when it stops; the table shows each HSM row's CPU per request as a ratio to the key-file proxy of the same
 * operation, worker count and runtime, and a line saying why the HSM rows were skipped when they were; without
 * pkcs11-tool on the PATH the bench still runs and says so.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { buildSync } from 'esbuild';
import { REPO_ROOT } from '../support/repo-root.js';
import { filesCounterpart, formatTable } from '../support/load/bench-report.js';
import { sampleRow } from '../support/load/sample-row.js';
import { runChild } from '../support/run-child.js';
import { HttpConnection } from '../support/load/http-connection.js';
import { BENCH_KEY_ID, benchSoftHsmMissing, startProxyServer } from '../support/load/servers.js';
import { createWorkload } from '../support/load/workloads.js';

const missing = benchSoftHsmMissing();

const row = sampleRow;
const META = { node: 'v20.20.2', pinned: false, logLevel: 'info', durationS: 2, repeat: 5, rate: 1800, rateDurationS: 5, connections: 16 };
/** The `CPU vs files` cell of a row (the 7th column). */
const versusFiles = (text: string, operation: string, server: string): string | undefined =>
  text
    .split('\n')
    .find((l) => l.startsWith(`| ${operation} | ${server} |`))
    ?.split('|')[6]
    ?.trim();

describe('bench: HSM rows', () => {
  test('hsm server -> proxy-hsm on a SoftHSM token: Encrypt and Decrypt 6 KB answered, health names the token, token removed at stop', { skip: missing, timeout: 120_000 }, async () => {
    const server = await startProxyServer({ logLevel: 'warn', fromSource: true, softHsm: true });
    let conf: string | undefined;
    try {
      assert.equal(server.name, 'proxy-hsm');
      const environ = readFileSync(`/proc/${server.pid}/environ`, 'utf8').split('\0');
      conf = environ.find((e) => e.startsWith('SOFTHSM2_CONF='))?.slice('SOFTHSM2_CONF='.length);
      assert.ok(conf !== undefined && existsSync(conf), 'the proxy runs with its own SOFTHSM2_CONF');
      const connection = new HttpConnection(server.port);
      try {
        const health = await connection.request((await createWorkload('health', server.port, BENCH_KEY_ID)).bytes());
        assert.equal(health.status, 200, health.body.toString());
        const fleet = (JSON.parse(health.body.toString()) as { ekmFleetDetails: { id: string; model: string }[] }).ekmFleetDetails;
        assert.deepEqual(
          fleet.map((d) => d.id),
          ['bench'],
          'the one fleet entry is the bench token',
        );
        assert.match(fleet[0]?.model ?? '', /SoftHSM/);
        for (const op of ['encrypt-6k', 'decrypt-6k'] as const) {
          const workload = await createWorkload(op, server.port, BENCH_KEY_ID);
          const answer = await connection.request(workload.bytes());
          assert.equal(answer.status, 200, `${op}: ${answer.body.toString()}`);
        }
      } finally {
        connection.close();
      }
    } finally {
      await server.stop();
    }
    assert.equal(existsSync(conf), false, 'the token directory is removed when the server stops');
  });

  test('table: proxy-hsm rows -> CPU vs files against the key-file proxy of the same workers and runtime', () => {
    const text = formatTable(
      [
        row('encrypt-6k', 'proxy', 200),
        row('encrypt-6k', 'proxy-hsm', 300),
        row('encrypt-6k', 'proxy-2w', 250),
        row('encrypt-6k', 'proxy-hsm-2w', 250),
        row('encrypt-6k', 'proxy-hsm@v26.12.1', 100),
        row('encrypt-6k', 'floor', 100),
      ],
      META,
    );
    assert.equal(versusFiles(text, 'encrypt-6k', 'proxy-hsm'), '1.50x');
    assert.equal(versusFiles(text, 'encrypt-6k', 'proxy-hsm-2w'), '1.00x');
    assert.equal(versusFiles(text, 'encrypt-6k', 'proxy-hsm@v26.12.1'), '-', 'no key-file proxy on that runtime in this table');
    assert.equal(versusFiles(text, 'encrypt-6k', 'proxy'), '-');
    assert.equal(versusFiles(text, 'encrypt-6k', 'floor'), '-');
    assert.equal(filesCounterpart('proxy-hsm-2w@v26.12.1'), 'proxy-2w@v26.12.1');
    assert.equal(filesCounterpart('proxy-2w'), undefined);
  });

  test('table: HSM rows skipped -> the reason is a line above the table', () => {
    const text = formatTable([row('health', 'proxy', 100)], { ...META, notes: ['HSM rows skipped: /usr/lib/softhsm/libsofthsm2.so not installed (apt-get install softhsm2)'] });
    const lines = text.split('\n');
    assert.equal(lines[1], 'HSM rows skipped: /usr/lib/softhsm/libsofthsm2.so not installed (apt-get install softhsm2)');
    assert.ok(lines.indexOf(lines[1] ?? '') < lines.findIndex((l) => l.startsWith('| operation')));
  });

  test('npm run bench without pkcs11-tool on the PATH -> "HSM rows skipped: <why>", the other rows still measured', { timeout: 300_000 }, async () => {
    // Bundled as `npm run bench` does, two directories below the repository (paths derive from the bundle's place).
    const bundle = join(REPO_ROOT, 'bench', '.build', `bench-test-${process.pid}.mjs`);
    buildSync({ entryPoints: [join(REPO_ROOT, 'bench', 'bench.ts')], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: bundle, logLevel: 'error' });
    // A PATH with only what the bench itself runs (getconf for the clock tick, taskset), none of OpenSC's tools.
    const bin = mkdtempSync(join(tmpdir(), 'xks-bench-path-'));
    for (const tool of ['getconf', 'taskset']) if (existsSync(`/usr/bin/${tool}`)) symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
    try {
      const run = await runChild(process.execPath, [bundle, '--ops', 'health', '--duration', '0.3', '--repeat', '1', '--rate-duration', '0.5', '--rate', '20'], { cwd: REPO_ROOT, env: { ...process.env, PATH: bin }, timeoutMs: 280_000 });
      assert.equal(run.status, 0, run.stderr);
      // (softhsm2 missing as well: that reason comes first.)
      const why = /(pkcs11-tool not installed \(apt-get install opensc\)|\/usr\/lib\/softhsm\/libsofthsm2\.so not installed \(apt-get install softhsm2\))/.source;
      assert.match(run.stderr, new RegExp(`^bench: HSM rows skipped: ${why}$`, 'm'));
      assert.match(run.stdout, new RegExp(`^HSM rows skipped: ${why}$`, 'm'));
      assert.match(run.stdout, /^\| health \| proxy \| /m);
      assert.match(run.stdout, /^\| health \| floor \| /m);
      assert.doesNotMatch(run.stdout, /proxy-hsm/);
    } finally {
      rmSync(bundle, { force: true });
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
