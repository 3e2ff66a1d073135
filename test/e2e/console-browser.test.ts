/**
 * The KMS console in a real browser (Debian's chromium through playwright-core) against a real `xks kms` process and a
 * real `xks serve` process. The AWS console procedure the docs describe, step by step: create a store through the
 * form; select its row, Key store actions -> Connect; CONNECTING -> CONNECTED without a reload; break the proxy (its
 * secret changes) -> FAILED, and the state shows INVALID_CREDENTIALS with its help on hover and on keyboard focus;
 * Connect refused while FAILED with the API's message; Disconnect, fix the credential with Edit, Connect again. Then a
 * key, the Try-it panel, and the explanation of the refused call naming the failing check.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { launchChromium, type Browser } from '../support/browser.js';
import { startConsoleSandbox, type ConsoleSandbox } from '../support/console-sandbox.js';

const NEW_SECRET = 'Zm9yLXRoZS1jb25zb2xlLXRlc3Qtb25seS1uZXctc2VjcmV0';
/** A loaded 2-core machine can take longer than KMS's 250 ms per proxy call; the budget is not what is tested here. */
const PROXY_TIMEOUT_MS = 3000;

describe('console in chromium: external key stores, keys, proxy calls', { timeout: 120_000 }, () => {
  let sandbox: ConsoleSandbox;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    [sandbox, browser] = await Promise.all([startConsoleSandbox({ proxyTimeoutMs: PROXY_TIMEOUT_MS }), launchChromium()]);
    page = await browser.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });
  after(async () => {
    await browser?.close();
    await sandbox?.close();
  });

  const row = () => page.locator('#key-stores tbody tr').first();
  const waitState = (state: string) => page.waitForSelector(`#key-stores tr[data-state="${state}"]`, { timeout: 15_000 });
  async function act(action: string): Promise<void> {
    await page.click('#store-actions');
    await page.click(`[role=menuitem][data-action="${action}"]`);
  }

  it('create form: the API validation message for a bad path; the secret is not shown again; then the store is created', async () => {
    await page.goto(`${sandbox.consoleUrl}/key-stores`);
    await page.click('text=Create external key store');
    await page.fill('#name', 'console-store');
    await page.fill('#endpoint', sandbox.proxyUrl);
    await page.fill('#path', '/no/xks/here');
    await page.fill('#accessKeyId', sandbox.accessKeyId);
    await page.fill('#secret', sandbox.secret);
    await page.click('button[type=submit]');
    const error = await page.textContent('#form-error');
    assert.match(error ?? '', /ValidationException: 1 validation error detected: Value '\/no\/xks\/here' at 'xksProxyUriPath' failed to satisfy constraint/);
    assert.equal(await page.inputValue('#secret'), '', 'the secret is never shown again');
    assert.ok(!(await page.content()).includes(sandbox.secret), 'the secret is not in the page');
    assert.equal(await page.inputValue('#name'), 'console-store', 'the other values are kept');

    await page.fill('#path', '/kms/xks/v1');
    await page.fill('#secret', sandbox.secret);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/console\/key-stores\?created=cks-/);
    assert.equal(await row().getAttribute('data-state'), 'DISCONNECTED');
    assert.match((await row().textContent()) ?? '', /console-store.*cks-[0-9a-f]{17}.*Public endpoint.*\/kms\/xks\/v1.*Disconnected/s);
  });

  it('select the row, Key store actions -> Connect: CONNECTING, then CONNECTED without a reload', async () => {
    assert.equal(await page.isDisabled('#store-actions'), true, 'no action before a row is selected');
    await page.check('#key-stores input[name=store]');
    assert.equal(await page.isDisabled('#store-actions'), false);
    const url = page.url();
    await act('connect');
    await waitState('CONNECTING');
    await waitState('CONNECTED');
    assert.equal(page.url(), url, 'no navigation: the table followed the state by itself');
    assert.match((await row().textContent()) ?? '', /Connected/);
  });

  it('proxy secret changed -> Disconnect, Connect -> FAILED; hover and focus show INVALID_CREDENTIALS with its meaning, causes and fix', async () => {
    await sandbox.setProxySecret(NEW_SECRET);
    await act('disconnect');
    await waitState('DISCONNECTED');
    await act('connect');
    await waitState('FAILED');
    const state = page.locator('#key-stores [data-state="FAILED"][tabindex="0"]');
    const tooltip = page.locator('#key-stores [role=tooltip]');
    assert.equal(await tooltip.isVisible(), false, 'hidden until hover or focus');
    await state.hover();
    await tooltip.waitFor({ state: 'visible' });
    const tip = (await tooltip.textContent()) ?? '';
    assert.match(tip, /INVALID_CREDENTIALS/);
    assert.match(tip, /refused the key store's credential/);
    assert.match(tip, /Likely causes.*secret access key of the key store differs/s);
    assert.match(tip, /Fix.*Disconnect the key store/s);
    // Keyboard users: focus alone shows it too.
    await page.mouse.move(0, 0);
    await tooltip.waitFor({ state: 'hidden' });
    await state.focus();
    await tooltip.waitFor({ state: 'visible' });
    assert.equal(await state.getAttribute('aria-describedby'), await tooltip.getAttribute('id'));
  });

  it('Connect on a FAILED store -> refused with the API message; Disconnect, Edit the credential, Connect -> CONNECTED', async () => {
    await act('connect');
    const alert = page.locator('#flash [role=alert]');
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? '', /CustomKeyStoreInvalidStateException: ConnectCustomKeyStore is not allowed while custom key store cks-\w+ is FAILED\. Disconnect it first/);
    await act('disconnect');
    await waitState('DISCONNECTED');

    await act('edit');
    await page.waitForURL(/\/edit$/);
    assert.equal(await page.inputValue('#secret'), '', 'the current secret is never shown');
    assert.equal(await page.inputValue('#accessKeyId'), sandbox.accessKeyId);
    await page.fill('#secret', NEW_SECRET);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/console\/key-stores$/);
    await page.check('#key-stores input[name=store]');
    await act('connect');
    await waitState('CONNECTED');
  });

  it('the refused call on the Proxy calls page -> its explanation names the signature check and shows what the proxy computed', async () => {
    await page.click('nav >> text=Proxy calls');
    await page.selectOption('#f-outcome', 'error');
    await page.click('form[role=search] button[type=submit]');
    const refused = page.locator('#proxy-calls tbody tr[data-status="401"]').first();
    assert.match((await refused.textContent()) ?? '', /GetHealthStatus.*ConnectCustomKeyStore.*401.*AuthenticationFailedException/s);
    assert.match((await refused.textContent()) ?? '', new RegExp(`\\d+ ms of ${PROXY_TIMEOUT_MS} ms`));
    await refused.locator('a', { hasText: 'Explain' }).click();
    await page.waitForSelector('.decision');
    assert.match((await page.textContent('.decision .summary')) ?? '', /refused 401 AuthenticationFailedException by the signature check/);
    assert.equal(await page.getAttribute('.checks li.refused', 'data-check'), 'signature');
    // route, method, sigv4-headers, body-size passed; the signature refused (docs/api.md order of checks).
    assert.equal(await page.locator('.checks li.passed').count(), 4);
    const facts = (await page.textContent('dl.facts')) ?? '';
    assert.match(facts, /canonicalRequest\s*POST\n\/kms\/xks\/v1\/health\n/);
    assert.match(facts, /stringToSign\s*AWS4-HMAC-SHA256\n\d{8}T\d{6}Z\n\d{8}\/us-east-1\/kms-xks-proxy\/aws4_request\n[0-9a-f]{64}/);
    const html = await page.content();
    for (const secret of [sandbox.secret, NEW_SECRET]) assert.ok(!html.includes(secret), 'no secret in the explanation');
  });

  it('KMS keys: create a key with an external key id; Try it: encrypt, decrypt the blob, generate a data key, each with its XKS call', async () => {
    await page.click('nav >> text=KMS keys');
    await page.fill('#xks-key-id', 'no-such-key');
    await page.click('text=Create key >> nth=-1');
    assert.match((await page.textContent('#form-error')) ?? '', /XksKeyNotFoundException/);
    await page.fill('#xks-key-id', 'key-1');
    await page.click('button:has-text("Create key")');
    await page.waitForURL(/created=/);
    const key = page.locator('#kms-keys tbody tr').first();
    assert.equal(await key.getAttribute('data-state'), 'Enabled');
    assert.match((await key.textContent()) ?? '', /key-1.*console-store.*Enabled/s);

    await page.fill('#try-text', 'hello from the console');
    await page.click('[data-try=encrypt]');
    await page.waitForSelector('.try-encrypt .kms-response');
    const encrypted = JSON.parse((await page.textContent('.try-encrypt .kms-response')) ?? '{}') as { CiphertextBlob?: string; KeyId?: string };
    assert.ok((encrypted.CiphertextBlob ?? '').length > 40);
    assert.match((await page.textContent('.try-encrypt .xks-calls')) ?? '', new RegExp(`Encrypt \\(Encrypt\\) -> HTTP 200, \\d+ ms of ${PROXY_TIMEOUT_MS} ms`));
    assert.equal(await page.inputValue('#try-blob'), encrypted.CiphertextBlob, 'the blob is ready to decrypt');

    await page.click('[data-try=decrypt]');
    await page.waitForSelector('.try-decrypt .decoded');
    assert.equal(await page.textContent('.try-decrypt .decoded'), 'Plaintext as text: hello from the console');
    assert.match((await page.textContent('.try-decrypt .xks-calls')) ?? '', /Decrypt \(Decrypt\) -> HTTP 200/);

    await page.click('[data-try=generate-data-key]');
    await page.waitForSelector('.try-generate-data-key .kms-response');
    const dataKey = JSON.parse((await page.textContent('.try-generate-data-key .kms-response')) ?? '{}') as { Plaintext?: string };
    assert.equal(Buffer.from(dataKey.Plaintext ?? '', 'base64').length, 32);
    assert.match((await page.textContent('.try-generate-data-key .xks-calls')) ?? '', /Encrypt \(GenerateDataKey\) -> HTTP 200/);

    await page.click('[data-key-action=disable]');
    await page.waitForURL(/done=disable/);
    assert.equal(await page.locator('#kms-keys tbody tr').first().getAttribute('data-state'), 'Disabled');
    assert.deepEqual(pageErrors, [], 'no script errors on any page');
  });
});
