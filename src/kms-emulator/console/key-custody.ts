/**
 * "Key custody" of an external key store on the console's key-stores page (docs/console.md): where the store's keys
 * are kept, from what its proxy said about its key manager in the last GetHealthStatus answered (spec A7: ekmVendor,
 * ekmFleetDetails), kept on the store record by the connection lifecycle. Everything in it is the proxy's text:
 * rendered through `html`, which escapes it.
 */
import type { KeyManagerReport } from '../store/records.js';
import { html, type SafeHtml } from './html.js';
import { formatTime } from './layout.js';

/** The xksProxyVendor this project's proxy reports by default (src/proxy/config/config-schema.ts). */
const THIS_PROXY_VENDOR = 'xks-proxy project';
/** The start of the model this project's key-file backend reports by default (`xks-proxy in-process AES-256-GCM ...`). */
const KEY_FILE_MODEL_PREFIX = 'xks-proxy in-process';

export type KeyCustodyKind = 'files' | 'hsm' | 'external' | 'unknown';

export interface KeyCustody {
  readonly kind: KeyCustodyKind;
  /** One or two words: `Files`, `HSM (PKCS#11)`, `External key manager`, `Not known yet`. */
  readonly label: string;
  /** What the proxy named: the models and ids of its key managers (for an HSM: the token). */
  readonly detail: string;
}

/**
 * - `files`: every key manager reports this project's key-file model (the proxy keeps the keys in its key files);
 * - `hsm`: this project's proxy with another model: its PKCS#11 backend reports the token (id: the token label,
 *   model: manufacturer and model, docs/hsm.md);
 * - `external`: another vendor's proxy: its key managers as it names them (AWS's sample proxy: its HSM);
 * - `unknown`: no GetHealthStatus answered yet (the store was never connected).
 */
export function describeKeyCustody(report: KeyManagerReport | undefined): KeyCustody {
  if (report === undefined || report.ekmFleetDetails.length === 0) {
    return { kind: 'unknown', label: 'Not known yet', detail: 'Learned from the proxy when the store connects.' };
  }
  const fleet = report.ekmFleetDetails;
  if (fleet.every((d) => d.model.startsWith(KEY_FILE_MODEL_PREFIX))) return { kind: 'files', label: 'Files', detail: 'Key files of the proxy' };
  if (report.xksProxyVendor === THIS_PROXY_VENDOR) return { kind: 'hsm', label: 'HSM (PKCS#11)', detail: fleet.map((d) => `${d.model}, token ${d.id}`).join('; ') };
  return { kind: 'external', label: 'External key manager', detail: `${report.ekmVendor}: ${fleet.map((d) => `${d.model} (${d.id})`).join('; ')}` };
}

/** The page's "Key custody" cell: the label, the detail and when the proxy said it. */
export function renderKeyCustody(report: KeyManagerReport | undefined): SafeHtml {
  const c = describeKeyCustody(report);
  const when = report === undefined ? '' : html` <span class="hint">as of ${formatTime(report.at)}</span>`;
  return html`<span class="custody" data-custody="${c.kind}">${c.label}</span><br><small>${c.detail}</small>${when}`;
}
