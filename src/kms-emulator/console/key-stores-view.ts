/**
 * The External key stores page (like the AWS console's Custom key stores -> External key stores): the table, the
 * Key store actions menu, the FAILED tooltip with the ConnectionErrorCode help, and the create and edit forms.
 * Rows are built from DescribeCustomKeyStores entries: the console shows what the API returns.
 */
import { CONNECTION_ERROR_HELP } from '../custom-key-stores/connection-error-help.js';
import type { CustomKeyStoreEntry } from '../custom-key-stores/custom-key-store-rules.js';
import type { ConnectionErrorCode, KeyManagerReport } from '../store/records.js';
import { html, type SafeHtml } from './html.js';
import { renderKeyCustody } from './key-custody.js';
import { formatTime } from './layout.js';

/** A DescribeCustomKeyStores entry (spec B9), as the API returns it. */
export type StoreEntry = CustomKeyStoreEntry;

/** Text and symbol per state: colour is never the only signal. */
const STATE_LABEL: Readonly<Record<string, string>> = {
  CONNECTED: '\u25CF Connected',
  CONNECTING: '\u25CC Connecting\u2026',
  DISCONNECTED: '\u25CB Disconnected',
  DISCONNECTING: '\u25CC Disconnecting\u2026',
  FAILED: '\u2715 Failed',
};

function stateCell(s: StoreEntry): SafeHtml {
  const label = STATE_LABEL[s.ConnectionState] ?? s.ConnectionState;
  const code = s.ConnectionErrorCode;
  if (s.ConnectionState !== 'FAILED' || code === undefined || !Object.hasOwn(CONNECTION_ERROR_HELP, code)) {
    return html`<span class="state state-${s.ConnectionState.toLowerCase()}" data-state="${s.ConnectionState}">${label}</span>`;
  }
  const help = CONNECTION_ERROR_HELP[code as ConnectionErrorCode];
  const tip = `tip-${s.CustomKeyStoreId}`;
  return html`<span class="has-tip"><span class="state state-failed" data-state="FAILED" tabindex="0" aria-describedby="${tip}">${label} <code>${code}</code></span>
<span role="tooltip" id="${tip}" class="tooltip"><strong>${code}</strong> ${help.meaning}
<span class="tip-head">Likely causes</span><span class="tip-list">${help.causes.map((c) => html`<span>\u2022 ${c}</span>`)}</span>
<span class="tip-head">Fix</span><span class="tip-list">${help.fixes.map((f) => html`<span>\u2022 ${f}</span>`)}</span></span></span>`;
}

/** What each store's proxy last said about its key manager (absent: nothing learned yet). */
export type KeyManagerOf = (customKeyStoreId: string) => KeyManagerReport | undefined;

export function renderStoreRows(stores: readonly StoreEntry[], keyManagerOf: KeyManagerOf = () => undefined): SafeHtml {
  if (stores.length === 0) return html`<tr><td colspan="8" class="empty">No external key stores yet. Create one.</td></tr>`;
  return html`${stores.map((s) => {
    const x = s.XksProxyConfiguration;
    return html`<tr data-id="${s.CustomKeyStoreId}" data-state="${s.ConnectionState}">
<td><input type="radio" name="store" value="${s.CustomKeyStoreId}" id="sel-${s.CustomKeyStoreId}" aria-label="Select ${s.CustomKeyStoreName}"></td>
<td><label for="sel-${s.CustomKeyStoreId}">${s.CustomKeyStoreName}</label><br><a href="/console/keys?store=${s.CustomKeyStoreId}">KMS keys</a></td>
<td><code>${s.CustomKeyStoreId}</code></td>
<td>${x.Connectivity === 'PUBLIC_ENDPOINT' ? 'Public endpoint' : 'VPC endpoint service'}</td>
<td><code>${x.UriEndpoint}${x.UriPath}</code></td>
<td class="state-cell">${stateCell(s)}</td>
<td class="custody-cell">${renderKeyCustody(keyManagerOf(s.CustomKeyStoreId))}</td>
<td>${formatTime(s.CreationDate * 1000)}</td>
</tr>`;
  })}`;
}

export function renderKeyStoresPage(stores: readonly StoreEntry[], notice: string | undefined, keyManagerOf?: KeyManagerOf): SafeHtml {
  return html`${notice === undefined ? '' : html`<p class="notice" role="status">${notice}</p>`}
<div class="toolbar">
<div class="menu">
<button type="button" id="store-actions" aria-haspopup="menu" aria-expanded="false" aria-controls="store-actions-menu" disabled>Key store actions \u25BE</button>
<ul id="store-actions-menu" role="menu" aria-labelledby="store-actions" hidden>
<li role="none"><button type="button" role="menuitem" data-action="connect">Connect</button></li>
<li role="none"><button type="button" role="menuitem" data-action="disconnect">Disconnect</button></li>
<li role="none"><button type="button" role="menuitem" data-action="edit">Edit</button></li>
<li role="none"><button type="button" role="menuitem" data-action="delete">Delete</button></li>
</ul>
</div>
<a class="button primary" href="/console/key-stores/new">Create external key store</a>
</div>
<p class="hint">Select a row, then choose an action. The connection state updates by itself; hover over or focus a failed state for its ConnectionErrorCode.</p>
<table id="key-stores" data-poll="/console/fragments/key-stores">
<caption>External key stores (${stores.length})</caption>
<thead><tr><th scope="col"><span class="sr-only">Select</span></th><th scope="col">Name</th><th scope="col">ID</th><th scope="col">Connectivity</th><th scope="col">Proxy endpoint and path</th><th scope="col">Connection state</th><th scope="col">Key custody</th><th scope="col">Creation date</th></tr></thead>
<tbody>${renderStoreRows(stores, keyManagerOf)}</tbody>
</table>`;
}

export interface StoreFormValues {
  readonly name: string;
  readonly connectivity: string;
  readonly endpoint: string;
  readonly path: string;
  readonly vpcServiceName: string;
  readonly vpcServiceOwner: string;
  readonly accessKeyId: string;
}

export const EMPTY_STORE_FORM: StoreFormValues = { name: '', connectivity: 'PUBLIC_ENDPOINT', endpoint: '', path: '/kms/xks/v1', vpcServiceName: '', vpcServiceOwner: '', accessKeyId: '' };

function field(id: string, label: string, value: string, hint: string, options: { type?: string; disabled?: string; required?: boolean } = {}): SafeHtml {
  const disabled = options.disabled !== undefined;
  return html`<div class="field"><label for="${id}">${label}</label>
<input id="${id}" name="${id}" type="${options.type ?? 'text'}" value="${options.type === 'password' ? '' : value}"${options.type === 'password' ? html` autocomplete="new-password"` : html` autocomplete="off"`}${options.required === true ? html` required` : ''}${disabled ? html` disabled aria-describedby="${id}-hint ${id}-why"` : html` aria-describedby="${id}-hint"`}>
<small id="${id}-hint">${hint}</small>${disabled ? html`<small id="${id}-why" class="why">${options.disabled}</small>` : ''}</div>`;
}

/**
 * Create (store undefined) or Edit. The secret field is always empty: a secret is never shown again once entered.
 * `locked` names why a field cannot change in the store's state (spec B5 matrix), so the form says it up front.
 */
export function renderStoreForm(options: { csrfToken: string; values: StoreFormValues; error?: { type: string; message: string }; store?: StoreEntry; locked?: string }): SafeHtml {
  const v = options.values;
  const editing = options.store !== undefined;
  const action = editing ? `/console/key-stores/${options.store?.CustomKeyStoreId ?? ''}/edit` : '/console/key-stores';
  const hard = options.locked;
  return html`${options.error === undefined ? '' : html`<div class="error" role="alert" id="form-error"><strong>${options.error.type}</strong>: ${options.error.message}</div>`}
<form method="post" action="${action}" class="store-form" novalidate>
<input type="hidden" name="_csrf" value="${options.csrfToken}">
${field('name', 'Key store name', v.name, '1-256 characters, unique in this account and Region.', { required: true })}
<div class="field"><label for="connectivity">Proxy connectivity</label>
<select id="connectivity" name="connectivity"${hard === undefined ? '' : html` disabled aria-describedby="connectivity-why"`}>
<option value="PUBLIC_ENDPOINT"${v.connectivity === 'PUBLIC_ENDPOINT' ? html` selected` : ''}>Public endpoint</option>
<option value="VPC_ENDPOINT_SERVICE"${v.connectivity === 'VPC_ENDPOINT_SERVICE' ? html` selected` : ''}>VPC endpoint service</option>
</select>${hard === undefined ? '' : html`<small id="connectivity-why" class="why">${hard}</small>`}</div>
${field('endpoint', 'Proxy URI endpoint', v.endpoint, 'https://host (the emulator also accepts http://127.0.0.1:PORT with --allow-http-loopback).', hard === undefined ? {} : { disabled: hard })}
${field('path', 'Proxy URI path', v.path, 'Optional prefix, then /kms/xks/v1.')}
${field('vpcServiceName', 'VPC endpoint service name', v.vpcServiceName, 'VPC endpoint service connectivity only.', hard === undefined ? {} : { disabled: hard })}
${field('vpcServiceOwner', 'VPC endpoint service owner', v.vpcServiceOwner, 'Optional 12-digit account; VPC only.', hard === undefined ? {} : { disabled: hard })}
<fieldset><legend>Proxy credential</legend>
${field('accessKeyId', 'Access key ID', v.accessKeyId, '20-30 characters of A-Z and 2-7, as configured at the proxy.')}
${field('secret', 'Secret access key', '', editing ? 'Leave empty to keep the current secret. It is never shown again.' : '43-64 characters. It is never shown again after you create the key store.', { type: 'password' })}
</fieldset>
<div class="form-actions"><a class="button" href="/console/key-stores">Cancel</a> <button type="submit" class="primary">${editing ? 'Save changes' : 'Create external key store'}</button></div>
</form>`;
}
