/**
 * How the KMS emulator scales with its number of keys and grants (issue 21, finding 4). The emulator runs in this
 * process on 127.0.0.1:0 with a state file in a temporary directory (as `xks kms` does); requests are signed with
 * aws4 and sent over HTTP. Prints: CreateGrant time at 0, 5k and 50k grants on one key (grants seeded through the
 * state store, then timed through the API); ListKeys (Limit 1000, first and last page) with 10k keys; the p50 of
 * `GET /_emulator/status` sent in parallel while grants are created.
 *
 *   npx tsx bench/kms-emulator-scale.ts [--grants 0,5000,50000] [--keys 10000] [--samples 20]
 */
import aws4 from 'aws4';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createKmsApp } from '../src/kms-emulator/create-kms-app.js';
import { buildKmsEmulatorConfig } from '../src/kms-emulator/context/kms-config.js';
import { createKmsStateStore } from '../src/kms-emulator/store/kms-state-store.js';
import { createLogger } from '../src/logging/create-logger.js';

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : (process.argv[i + 1] ?? fallback);
}
const grantCounts = option('--grants', '0,5000,50000').split(',').map(Number);
const keyCount = Number(option('--keys', '10000'));
const samples = Number(option('--samples', '20'));
/** KMS quota "Grants per KMS key": a key seeded to it could take no more; the timed calls need room. */
const GRANT_QUOTA = 50_000;
const statusRounds = Math.max(samples * 5, 100);

// No keep-alive: the server closes idle connections after 5 s, and seeding takes longer.
const agent = new http.Agent({ keepAlive: false });

function send(port: number, method: string, path: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function kms(port: number, operation: string, input: object): Promise<Record<string, unknown>> {
  const body = JSON.stringify(input);
  const signed = aws4.sign(
    { host: `127.0.0.1:${port}`, method: 'POST', path: '/', service: 'kms', region: 'us-east-1', body, headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': `TrentService.${operation}` } },
    CREDENTIALS,
  );
  const r = await send(port, 'POST', '/', signed.headers as Record<string, string>, body);
  if (r.status !== 200) throw new Error(`${operation}: HTTP ${r.status} ${r.body.slice(0, 200)}`);
  return JSON.parse(r.body) as Record<string, unknown>;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = process.hrtime.bigint();
  const v = await fn();
  return [v, Number(process.hrtime.bigint() - t0) / 1e6];
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const fmt = (ms: number): string => `${ms.toFixed(2)} ms`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'xks-kms-scale-'));
  const store = createKmsStateStore(join(dir, 'state.sqlite'));
  const config = buildKmsEmulatorConfig({ allowHttpLoopback: true, dnsMode: 'static' });
  const quiet = new Writable({ write: (_c, _e, cb) => cb() });
  const app = createKmsApp({ config, store, logger: createLogger({ level: 'warn', service: 'kms-emulator' }, quiet), clock: () => Date.now(), randomBytes, randomUUID });
  const server = await new Promise<http.Server>((r) => {
    const s = app.app.listen(0, '127.0.0.1', () => r(s));
  });
  const port = (server.address() as AddressInfo).port;
  const principal = `arn:aws:iam::${config.accountId}:role/bench`;
  try {
    console.log(`kms emulator scale (state file ${join(dir, 'state.sqlite')}, node ${process.version})`);
    // CreateGrant on one key holding N grants.
    let fullest = '';
    for (const wanted of grantCounts) {
      const n = Math.min(wanted, GRANT_QUOTA - samples - statusRounds);
      const key = (await kms(port, 'CreateKey', { Description: `grants ${n}` }))['KeyMetadata'] as { KeyId: string };
      const [, seedMs] = await timed(async () => {
        for (let i = 0; i < n; i++) {
          store.putGrant({ grantId: randomBytes(32).toString('hex'), grantToken: randomBytes(96).toString('base64'), keyId: key.KeyId, name: undefined, granteePrincipal: principal, retiringPrincipal: principal, issuingAccount: config.accountId, operations: ['Encrypt'], constraints: undefined, creationDate: Date.now() });
        }
      });
      const times: number[] = [];
      for (let i = 0; i < samples; i++) {
        const [, ms] = await timed(() => kms(port, 'CreateGrant', { KeyId: key.KeyId, GranteePrincipal: principal, Operations: ['Encrypt', 'Decrypt'] }));
        times.push(ms);
      }
      fullest = key.KeyId;
      console.log(`CreateGrant with ${n} grants on the key: p50 ${fmt(median(times))}, max ${fmt(Math.max(...times))} over ${samples} calls (seeded in ${(seedMs / 1000).toFixed(1)} s)`);
    }
    // /_emulator/status while grants are created on the fullest key.
    {
      const keyId = fullest;
      let creating = true;
      const creator = (async () => {
        for (let i = 0; i < statusRounds; i++) await kms(port, 'CreateGrant', { KeyId: keyId, GranteePrincipal: principal, Operations: ['Encrypt'] });
        creating = false;
      })();
      const status: number[] = [];
      while (creating) {
        const [, ms] = await timed(() => send(port, 'GET', '/_emulator/status', {}, ''));
        status.push(ms);
      }
      await creator;
      console.log(`GET /_emulator/status while CreateGrant runs in a loop on the key with the most grants: p50 ${fmt(median(status))}, max ${fmt(Math.max(...status))} over ${status.length} requests`);
    }
    // ListKeys with many keys.
    {
      const have = ((await kms(port, 'ListKeys', { Limit: 1000 }))['Keys'] as unknown[]).length;
      const [, seedMs] = await timed(async () => {
        for (let i = have; i < keyCount; i++) await kms(port, 'CreateKey', { Description: `k${i}` });
      });
      const first: number[] = [];
      const last: number[] = [];
      let pages = 0;
      for (let i = 0; i < Math.min(samples, 5); i++) {
        let marker: string | undefined;
        pages = 0;
        for (;;) {
          const [out, ms] = await timed(() => kms(port, 'ListKeys', { Limit: 1000, ...(marker !== undefined && { Marker: marker }) }));
          (marker === undefined ? first : last).push(ms);
          pages++;
          if (out['Truncated'] !== true) break;
          marker = out['NextMarker'] as string;
        }
      }
      console.log(`ListKeys Limit 1000 with ${keyCount} keys: first page p50 ${fmt(median(first))}, later pages p50 ${fmt(median(last))} (${pages} pages; keys created in ${(seedMs / 1000).toFixed(1)} s)`);
      const [, one] = await timed(() => kms(port, 'ListKeys', { Limit: 1 }));
      console.log(`ListKeys Limit 1 with ${keyCount} keys: ${fmt(one)}`);
    }
  } finally {
    agent.destroy();
    app.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
