/**
 * docs/console.md runs as written: its two terminals (test/support/doc-runner.ts: ports, `npx`), its shell block,
 * and its browser steps in Debian's chromium (playwright-core), each driven by the page's own words: the labels and
 * values of its field table, the italic names of buttons and menu items (*Key store actions → Connect*), the states
 * and messages in its code spans (`Connecting…`, `Failed`, `INVALID_CREDENTIALS`, the refusal of a second Connect).
 * A renamed button, field or state in the console, or a changed word in the page, fails here.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { launchChromium, type Browser } from '../support/browser.js';
import { runDocPage, type DocSession } from '../support/doc-runner.js';
import { expectedLinePattern } from '../support/doc-steps.js';
import { REPO_ROOT } from '../support/repo-root.js';

const PAGE = readFileSync(join(REPO_ROOT, 'docs', 'console.md'), 'utf8');

/** The prose of the page from a heading to the next heading of the same or a higher level. */
function section(heading: string): string {
  const start = PAGE.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `console.md has no heading ${heading}`);
  const level = /^#+/.exec(heading)?.[0] ?? '##';
  const rest = PAGE.slice(start + heading.length + 2);
  const end = rest.search(new RegExp(`\\n#{1,${level.length}} `));
  // Prose only: a fenced block's backticks would pair with the inline code spans around it.
  return (end < 0 ? rest : rest.slice(0, end)).replace(/^```[\s\S]*?^```$/gm, '');
}
const italics = (text: string): string[] => [...text.matchAll(/(?<![*\w])\*([^*\n]+)\*(?!\*)/g)].map((m) => m[1] ?? '');
const codes = (text: string): string[] => [...text.matchAll(/`([^`]+)`/g)].map((m) => (m[1] ?? '').replace(/\s+/g, ' '));
function word(list: readonly string[], pattern: RegExp, what: string): string {
  const found = list.find((w) => pattern.test(w));
  assert.ok(found !== undefined, `console.md no longer says ${what} (${pattern})`);
  return found;
}

let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
before(async () => {
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
});
after(async () => {
  await browser?.close();
});

const row = () => page.locator('#key-stores tbody tr').first();
async function waitForState(label: string): Promise<void> {
  // The state's first word, not a substring: Playwright's hasText string ignores case, so 'Connected' would match
  // 'Disconnected' (a FAILED state reads `Failed <code>`).
  const whole = new RegExp(`^[^A-Za-z]*${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![a-z])`);
  await row().locator('.state', { hasText: whole }).first().waitFor({ timeout: 30_000 });
}
/** `*Key store actions → Connect*`: the menu, then its item, by the names the page gives. */
async function storeAction(menu: string, item: string): Promise<void> {
  await page.getByRole('button', { name: new RegExp(`^${menu}`) }).click();
  await page.getByRole('menuitem', { name: item, exact: true }).click();
}

const steps: Record<string, (s: DocSession) => Promise<void>> = {
  async open(s) {
    await page.goto(`${s.url('kms')}/console`);
    await page.getByRole('heading', { name: 'External key stores' }).first().waitFor();
  },
  async create(s) {
    const text = section('### Create an external key store');
    await page.getByRole('link', { name: word(italics(text), /^Create external key store$/, 'the Create button') }).click();
    const rows = [...text.matchAll(/^\| ([^|]+?) \| (.+?) \|$/gm)].map((m) => [m[1] ?? '', m[2] ?? ''] as const).filter(([f]) => f !== 'Field' && !/^-+$/.test(f));
    assert.ok(rows.length >= 6, `the field table: ${JSON.stringify(rows)}`);
    for (const [label, value] of rows) {
      const field = page.getByLabel(label, { exact: true });
      const code = codes(value)[0];
      if (label === 'Proxy connectivity') await field.selectOption({ label: value.trim() });
      else if (value.includes('banner')) {
        // "the `access key id` line of the `xks serve` banner"
        const name = codes(value)[0] ?? '';
        const line = new RegExp(`^\\s*${name}\\s+(\\S+)`, 'm').exec(s.output('serve'));
        assert.ok(line?.[1] !== undefined, `the banner has no ${name} line`);
        await field.fill(line[1]);
      } else if (code?.startsWith('cat ')) await field.fill((await s.run(code)).trim());
      else await field.fill((code ?? value).replaceAll('http://127.0.0.1:7700', s.url('proxy')));
    }
    await page.locator('button[type=submit]').click();
    await page.waitForURL(/created=cks-/);
  },
  async connect() {
    const text = section('### Connect, and watch the state');
    const [menu, item] = word(italics(text), /→/, 'Key store actions → Connect').split(/\s*→\s*/);
    const [, connecting, connected] = codes(text);
    await page.locator('#key-stores input[name=store]').first().check();
    await storeAction(menu ?? '', item ?? '');
    await waitForState(connecting ?? '');
    await waitForState(connected ?? '');
  },
  async break() {
    const text = section('### Break it on purpose: FAILED and its ConnectionErrorCode');
    const [disconnect, connect] = italics(text).filter((w) => /^(Disconnect|Connect)$/.test(w));
    const failed = word(codes(text), /^Failed$/, 'the Failed state');
    const code = word(codes(text), /^INVALID_CREDENTIALS$/, 'the ConnectionErrorCode');
    await storeAction('Key store actions', disconnect ?? '');
    await waitForState('Disconnected');
    await storeAction('Key store actions', connect ?? '');
    await waitForState(failed);
    // "Hover over `Failed`, or move the keyboard focus to it (Tab): the tooltip names the ConnectionErrorCode"
    await row().locator('.state', { hasText: failed }).hover();
    const tip = page.locator('#key-stores [role=tooltip]');
    await tip.waitFor({ state: 'visible' });
    assert.match((await tip.textContent()) ?? '', new RegExp(code));
  },
  async fix(s) {
    const text = section('### Break it on purpose: FAILED and its ConnectionErrorCode');
    const refusal = word(codes(text), /^CustomKeyStoreInvalidStateException/, 'the refusal of Connect');
    await storeAction('Key store actions', 'Connect');
    const alert = page.locator('#flash [role=alert]');
    await alert.waitFor();
    assert.match(((await alert.textContent()) ?? '').replace(/\s+/g, ' '), new RegExp(expectedLinePattern(refusal).source.replace(/^\^|\$$/g, '')));
    // 1. *Disconnect*  2. *Edit*: the new secret in *Secret access key*, *Save changes*  3. *Connect*: `Connected`
    const list = text.slice(text.indexOf('1. *Disconnect*'));
    const [disconnect, edit, secretLabel, save, connect] = italics(list);
    await storeAction('Key store actions', disconnect ?? '');
    await waitForState('Disconnected');
    await storeAction('Key store actions', edit ?? '');
    await page.getByLabel(secretLabel ?? '', { exact: true }).fill((await s.run(word(codes(list), /^cat /, 'how to read the secret'))).trim());
    await page.getByRole('button', { name: save ?? '' }).click();
    await page.waitForURL(/\/console\/key-stores$/);
    await page.locator('#key-stores input[name=store]').first().check();
    await storeAction('Key store actions', connect ?? '');
    await waitForState(word(codes(list), /^Connected$/, 'Connected again'));
  },
  async ['try-it']() {
    const text = section('## KMS keys and Try it');
    const bold = [...text.matchAll(/\*\*([^*]+)\*\*/g)].map((m) => m[1] ?? '');
    await page.getByRole('navigation').getByRole('link', { name: word(italics(text), /^KMS keys$/, 'the KMS keys page'), exact: true }).click();
    const create = word(italics(text), /^Create key$/, 'Create key');
    const keyId = page.getByLabel(word(bold, /^external key ID$/i, 'the external key ID field'));
    // "so `no-such-key` is refused with `XksKeyNotFoundException`"
    await keyId.fill(word(codes(text), /^no-such-key$/, 'the refused key id'));
    await page.getByRole('button', { name: create, exact: true }).click();
    assert.match((await page.textContent('#form-error')) ?? '', new RegExp(word(codes(text), /^XksKeyNotFoundException$/, 'the refusal')));
    await page.getByLabel(word(bold, /^external key ID$/i, 'the external key ID field')).fill(word(codes(text), /^dev-key-1$/, 'the dev key'));
    await page.getByRole('button', { name: create, exact: true }).click();
    await page.waitForURL(/created=/);
    // **Encrypt** a text: the XKS call it caused, `Encrypt (Encrypt) -> HTTP 200, 4 ms of 250 ms`
    await page.getByRole('button', { name: word(bold, /^Encrypt$/, 'Encrypt'), exact: true }).click();
    await page.waitForSelector('.try-encrypt .xks-calls');
    const call = word(codes(text), /^Encrypt \(Encrypt\) -> HTTP 200/, 'the Encrypt call').replace(/, \d+ ms of \d+ ms$/, '');
    assert.ok(((await page.textContent('.try-encrypt .xks-calls')) ?? '').includes(call));
    await page.getByRole('button', { name: word(bold, /^Decrypt the blob$/, 'Decrypt the blob'), exact: true }).click();
    await page.waitForSelector('.try-decrypt .decoded');
    assert.match((await page.textContent('.try-decrypt .decoded')) ?? '', new RegExp(await page.inputValue('#try-text')));
    await page.getByRole('button', { name: word(bold, /^Generate a data key$/, 'Generate a data key'), exact: true }).click();
    await page.waitForSelector('.try-generate-data-key .xks-calls');
    // "the proxy saw one Encrypt with `kmsOperation` `GenerateDataKey`"
    assert.match((await page.textContent('.try-generate-data-key .xks-calls')) ?? '', new RegExp(`Encrypt \\(${word(codes(text), /^GenerateDataKey$/, 'GenerateDataKey')}\\) -> HTTP 200`));
  },
};

test('docs/console.md: the walkthrough in chromium, by the page\'s own steps and words', { timeout: 600_000 }, async () => {
  const done: string[] = [];
  await runDocPage('docs/console.md', {
    extraFlags: { kms: ['--connecting-ms', '300', '--disconnecting-ms', '100'] },
    browser: async (step, session) => {
      const run = steps[step];
      assert.ok(run !== undefined, `console.md has a browser step ${step} this test does not know`);
      await run(session);
      done.push(step);
    },
  });
  assert.deepEqual(done, ['open', 'create', 'connect', 'break', 'fix', 'try-it']);
  assert.deepEqual(pageErrors, [], 'no script errors on any page');
});
