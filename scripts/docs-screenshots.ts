/**
 * `npm run docs:screenshots`: regenerate the console screenshots in docs/images/ from a real run (xks serve + xks kms
 * on 127.0.0.1:0, Debian's chromium through playwright-core), following the walkthrough of docs/console.md.
 */
import { join, resolve } from 'node:path';
import { launchChromium } from '../test/support/browser.js';
import { startConsoleSandbox } from '../test/support/console-sandbox.js';

const OUT = resolve(import.meta.dirname, '..', 'docs', 'images');
const OTHER_SECRET = 'Zm9yLXRoZS1jb25zb2xlLXRlc3Qtb25seS1uZXctc2VjcmV0';

const sandbox = await startConsoleSandbox({ connectingMs: 600 });
const browser = await launchChromium({ width: 1280, height: 760 });
try {
  const page = await browser.newPage();
  const shot = async (name: string) => {
    await page.screenshot({ path: join(OUT, name), fullPage: false });
    process.stdout.write(`docs/images/${name}\n`);
  };
  const act = async (action: string) => {
    await page.click('#store-actions');
    await page.click(`[role=menuitem][data-action="${action}"]`);
  };
  const waitState = (state: string) => page.waitForSelector(`#key-stores tr[data-state="${state}"]`, { timeout: 15_000 });

  await page.goto(`${sandbox.consoleUrl}/key-stores/new`);
  await page.fill('#name', 'my-first-xks');
  await page.fill('#endpoint', sandbox.proxyUrl);
  await page.fill('#accessKeyId', sandbox.accessKeyId);
  await shot('console-create-store.png');
  await page.fill('#secret', sandbox.secret);
  await page.click('button[type=submit]');
  await page.waitForURL(/created=/);
  await page.check('#key-stores input[name=store]');
  await act('connect');
  await waitState('CONNECTED');
  await page.click('#store-actions');
  await shot('console-key-stores.png');
  await page.keyboard.press('Escape');

  // Break the proxy: its secret changes, the store's does not.
  await sandbox.setProxySecret(OTHER_SECRET);
  await act('disconnect');
  await waitState('DISCONNECTED');
  await act('connect');
  await waitState('FAILED');
  await page.hover('#key-stores [data-state="FAILED"][tabindex="0"]');
  await page.waitForSelector('#key-stores [role=tooltip]', { state: 'visible' });
  await shot('console-failed-tooltip.png');

  await page.goto(`${sandbox.consoleUrl}/proxy-calls`);
  await shot('console-proxy-calls.png');
  await page.locator('#proxy-calls tbody tr[data-status="401"] a').first().click();
  await page.waitForSelector('.decision');
  await page.screenshot({ path: join(OUT, 'console-explain.png'), fullPage: true });
  process.stdout.write('docs/images/console-explain.png\n');

  // Fix it, then a key and the Try-it panel.
  await sandbox.setProxySecret(sandbox.secret);
  await page.goto(`${sandbox.consoleUrl}/key-stores`);
  await page.check('#key-stores input[name=store]');
  await act('disconnect');
  await waitState('DISCONNECTED');
  await act('connect');
  await waitState('CONNECTED');
  await page.goto(`${sandbox.consoleUrl}/keys`);
  await page.fill('#xks-key-id', 'key-1');
  await page.click('button:has-text("Create key")');
  await page.waitForURL(/created=/);
  await page.click('[data-try=encrypt]');
  await page.waitForSelector('.try-encrypt .xks-calls');
  await page.locator('#try-it').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(OUT, 'console-keys-try-it.png'), fullPage: true });
  process.stdout.write('docs/images/console-keys-try-it.png\n');
} finally {
  await browser.close();
  await sandbox.close();
}
