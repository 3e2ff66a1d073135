/** The KMS keys page: keys of external key stores, Create key with an external key id, key actions, the Try-it panel. */
import { html, type SafeHtml } from './html.js';
import { formatTime } from './layout.js';
import type { StoreEntry } from './key-stores-view.js';

/** A DescribeKey KeyMetadata (spec B10), the fields the page shows. */
export interface KeyEntry {
  readonly KeyId: string;
  readonly KeyState: string;
  readonly CreationDate: number;
  readonly Description?: string;
  readonly CustomKeyStoreId?: string;
  readonly XksKeyConfiguration?: { readonly Id: string };
  readonly DeletionDate?: number;
}

const KEY_ACTIONS: readonly (readonly [string, string, (state: string) => boolean])[] = [
  ['enable', 'Enable', (s) => s === 'Disabled'],
  ['disable', 'Disable', (s) => s === 'Enabled'],
  ['schedule-deletion', 'Schedule deletion', (s) => s !== 'PendingDeletion'],
  ['cancel-deletion', 'Cancel deletion', (s) => s === 'PendingDeletion'],
];

export function renderKeysPage(options: { csrfToken: string; stores: readonly StoreEntry[]; keys: readonly KeyEntry[]; store?: string; error?: { type: string; message: string }; notice?: string; xksKeyId?: string }): SafeHtml {
  const storeName = (id: string | undefined) => options.stores.find((s) => s.CustomKeyStoreId === id)?.CustomKeyStoreName ?? id ?? '';
  const usable = options.keys.filter((k) => k.KeyState === 'Enabled');
  return html`${options.notice === undefined ? '' : html`<p class="notice" role="status">${options.notice}</p>`}
<form method="get" action="/console/keys" class="filters"><label for="store-filter">Key store</label>
<select id="store-filter" name="store"><option value="">All external key stores</option>${options.stores.map(
    (s) => html`<option value="${s.CustomKeyStoreId}"${s.CustomKeyStoreId === options.store ? html` selected` : ''}>${s.CustomKeyStoreName} (${s.ConnectionState})</option>`,
  )}</select> <button type="submit">Show</button></form>
<table id="kms-keys">
<caption>KMS keys in external key stores (${options.keys.length})</caption>
<thead><tr><th scope="col">Key ID</th><th scope="col">External key ID (XksKeyId)</th><th scope="col">Key store</th><th scope="col">Key state</th><th scope="col">Creation date</th><th scope="col">Actions</th></tr></thead>
<tbody>${options.keys.length === 0
    ? html`<tr><td colspan="6" class="empty">No KMS keys here yet.</td></tr>`
    : options.keys.map(
        (k) => html`<tr data-key-id="${k.KeyId}" data-state="${k.KeyState}"><td><a href="/console/keys/${k.KeyId}" title="Access decisions, key policy and grants"><code>${k.KeyId}</code></a>${k.Description ? html`<br><small>${k.Description}</small>` : ''}</td>
<td><code>${k.XksKeyConfiguration?.Id ?? ''}</code></td><td>${storeName(k.CustomKeyStoreId)}</td>
<td><span class="key-state key-${k.KeyState.toLowerCase()}">${k.KeyState}${k.DeletionDate === undefined ? '' : html` (deletion ${formatTime(k.DeletionDate * 1000)})`}</span></td>
<td>${formatTime(k.CreationDate * 1000)}</td>
<td class="key-actions">${KEY_ACTIONS.filter(([, , when]) => when(k.KeyState)).map(
          ([action, label]) => html`<button type="button" data-key-action="${action}" data-key-id="${k.KeyId}" aria-label="${label} key ${k.KeyId}">${label}</button> `,
        )}</td></tr>`,
      )}</tbody>
</table>

<section aria-labelledby="create-key-h" class="panel">
<h2 id="create-key-h">Create key</h2>
${options.error === undefined ? '' : html`<div class="error" role="alert" id="form-error"><strong>${options.error.type}</strong>: ${options.error.message}</div>`}
<form method="post" action="/console/keys" class="inline-form">
<input type="hidden" name="_csrf" value="${options.csrfToken}">
<div class="field"><label for="key-store">Custom key store</label><select id="key-store" name="customKeyStoreId">${options.stores.map(
    (s) => html`<option value="${s.CustomKeyStoreId}"${s.CustomKeyStoreId === options.store ? html` selected` : ''}>${s.CustomKeyStoreName} (${s.ConnectionState})</option>`,
  )}</select><small>The store must be CONNECTED.</small></div>
<div class="field"><label for="xks-key-id">External key ID</label><input id="xks-key-id" name="xksKeyId" value="${options.xksKeyId ?? ''}" required><small>The externalKeyId of a key file at the proxy, e.g. key-1.</small></div>
<div class="field"><label for="description">Description</label><input id="description" name="description"></div>
<button type="submit" class="primary">Create key</button>
</form>
</section>

<section aria-labelledby="try-h" class="panel" id="try-it">
<h2 id="try-h">Try it</h2>
<p class="hint">Each button calls the KMS API of this emulator, which calls the proxy. You see the KMS response and the XKS call(s) it caused.</p>
<div class="field"><label for="try-key">KMS key</label><select id="try-key">${usable.map((k) => html`<option value="${k.KeyId}">${k.XksKeyConfiguration?.Id ?? ''} - ${k.KeyId}</option>`)}</select></div>
<div class="field"><label for="try-text">Text to encrypt</label><textarea id="try-text" rows="2">Hello, external key store</textarea></div>
<div class="field"><label for="try-blob">Ciphertext blob (base64) to decrypt</label><textarea id="try-blob" rows="3"></textarea><small>Filled in by Encrypt.</small></div>
<div class="try-buttons"><button type="button" data-try="encrypt">Encrypt</button> <button type="button" data-try="decrypt">Decrypt the blob</button> <button type="button" data-try="generate-data-key">Generate a data key</button></div>
<div id="try-result" aria-live="polite"></div>
</section>`;
}
