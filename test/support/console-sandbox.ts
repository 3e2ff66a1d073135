/**
 * The console's test bed (browser tests, `npm run docs:screenshots`): a real `xks serve` process with its admin
 * listener, and a real `xks kms` process that knows that admin listener (--proxy-admin-url), both on 127.0.0.1:0.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createTempProxyDir, startProxyProcess, type ProxyProcess, type TempProxyDir } from './proxy-process.js';
import { TEST_ACCESS_KEY_ID, TEST_SECRET, testKey } from './test-app.js';
import { pollUntil } from './poll-until.js';

export interface ConsoleSandbox {
  readonly dir: TempProxyDir;
  readonly proxy: ProxyProcess;
  readonly kms: ProxyProcess;
  /** e.g. http://127.0.0.1:41185/console */
  readonly consoleUrl: string;
  readonly proxyUrl: string;
  readonly adminUrl: string;
  readonly accessKeyId: string;
  readonly secret: string;
  /** Rewrite the proxy configuration with another secret for the same access key id, and wait for the reload. */
  setProxySecret(secret: string): Promise<void>;
  close(): Promise<void>;
}


/** `proxyTimeoutMs`: the emulator's per-call budget (default: KMS's 250 ms; tests on a loaded machine give more). */
export async function startConsoleSandbox(options: { connectingMs?: number; proxyTimeoutMs?: number } = {}): Promise<ConsoleSandbox> {
  const dir = createTempProxyDir({ keys: [testKey('key-1'), testKey('key-2')], extraConfig: { admin: { host: '127.0.0.1', port: 0 } } });
  let proxy: ProxyProcess | undefined;
  let kms: ProxyProcess | undefined;
  try {
    proxy = await startProxyProcess(['serve', '--config', dir.configPath], { cwd: dir.dir });
    const p = proxy;
    const adminUrl = await pollUntil('the admin listener', () => /admin listener \(xks status\) on (http:\/\/\S+)/.exec(p.stderr())?.[1]);
    kms = await startProxyProcess(
      ['kms', '--port', '0', '--state', ':memory:', '--allow-http-loopback', '--dns', 'static', '--connecting-ms', String(options.connectingMs ?? 1200), '--disconnecting-ms', '300', '--proxy-timeout-ms', String(options.proxyTimeoutMs ?? 250), '--proxy-admin-url', adminUrl],
      { cwd: dir.dir, ready: /kms emulator listening on (http:\/\/\S+)/ },
    );
    const k = kms;
    return {
      dir,
      proxy: p,
      kms: k,
      consoleUrl: `${k.url}/console`,
      proxyUrl: p.url,
      adminUrl,
      accessKeyId: TEST_ACCESS_KEY_ID,
      secret: TEST_SECRET,
      async setProxySecret(secret) {
        const reloads = (p.stdout().match(/"configuration reloaded"/g) ?? []).length;
        const config = JSON.parse(readFileSync(dir.configPath, 'utf8')) as { keyStores: { credentials: { secretAccessKey: string }[] }[] };
        const credential = config.keyStores[0]?.credentials[0];
        if (credential === undefined) throw new Error('no credential in the proxy configuration');
        credential.secretAccessKey = secret;
        writeFileSync(dir.configPath, JSON.stringify(config, null, 2), { mode: 0o600 });
        await pollUntil('the proxy to reload its configuration', () => ((p.stdout().match(/"configuration reloaded"/g) ?? []).length > reloads ? true : undefined));
      },
      async close() {
        await Promise.all([k.stop(), p.stop()]);
        dir.cleanup();
      },
    };
  } catch (error) {
    await Promise.all([kms?.stop(), proxy?.stop()]);
    dir.cleanup();
    throw error;
  }
}
