/**
 * The KMS console at /console (issue: "the KMS console, locally"). Every read and every state change goes through
 * `invoke`, the emulator's own dispatch of KMS operations: the console is a second client of the same service
 * functions as the AWS wire API, never a second code path. Pages are rendered here; console-assets.ts adds a little
 * JavaScript. Access and CSRF rules: console-guard.ts.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { DecisionRecord } from '../../proxy/explain/decision-log.js';
import type { ProxyCallLog } from '../custom-key-stores/proxy-call-log.js';
import { CONSOLE_CSS, CONSOLE_JS } from './console-assets.js';
import { createConsoleGuard, type ConsoleAccess } from './console-guard.js';
import { html } from './html.js';
import { renderKeysPage, type KeyEntry } from './keys-view.js';
import { renderKeyAccessPage } from './key-access-view.js';
import type { KeyAccessView } from '../resources/key-access.js';
import { EMPTY_STORE_FORM, renderKeyStoresPage, renderStoreForm, renderStoreRows, type KeyManagerOf, type StoreEntry, type StoreFormValues } from './key-stores-view.js';
import { layout, type ConsolePage } from './layout.js';
import { filterCalls, renderCallDetail, renderCallRows, renderProxyCallsPage, type CallFilters } from './proxy-calls-view.js';

export type InvokeResult =
  | { readonly ok: true; readonly requestId: string; readonly response: Record<string, unknown> }
  | { readonly ok: false; readonly requestId: string; readonly type: string; readonly message: string };

export interface ConsoleDeps {
  /** Run a KMS operation exactly as the wire API does (same handlers, same validation, same state). */
  invoke(operation: string, body: Record<string, unknown>): Promise<InvokeResult>;
  readonly proxyCalls: ProxyCallLog;
  /** The local proxy's decisions for a kmsRequestId (--with-proxy, --proxy-admin-url); absent: not local. */
  readonly explain?: (kmsRequestId: string) => Promise<readonly DecisionRecord[] | undefined>;
  readonly region: string;
  readonly access: ConsoleAccess;
  /** Host names besides loopback ones the console answers under (`xks kms --allow-host`). */
  readonly allowedHosts?: readonly string[];
  readonly randomBytes: (n: number) => Buffer;
  /** The emulator's view of a key with its recent access decisions (key policies and grants); absent: no key pages. */
  readonly keyAccess?: (keyId: string) => KeyAccessView | undefined;
  /** What a store's proxy last said about its key manager (the "Key custody" column); absent: never known. */
  readonly keyManagerOf?: KeyManagerOf;
}

const STORE_ACTIONS: Readonly<Record<string, readonly [string, string]>> = {
  connect: ['ConnectCustomKeyStore', 'Connecting: the connection state moves to CONNECTED or FAILED.'],
  disconnect: ['DisconnectCustomKeyStore', 'Disconnecting.'],
  delete: ['DeleteCustomKeyStore', 'Key store deleted.'],
};
const KEY_ACTIONS: Readonly<Record<string, readonly [string, Record<string, unknown>, string]>> = {
  enable: ['EnableKey', {}, 'Key enabled.'],
  disable: ['DisableKey', {}, 'Key disabled.'],
  'schedule-deletion': ['ScheduleKeyDeletion', { PendingWindowInDays: 7 }, 'Key deletion scheduled in 7 days.'],
  'cancel-deletion': ['CancelKeyDeletion', {}, 'Key deletion cancelled; the key is Disabled.'],
};

function text(body: unknown, name: string): string {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : '';
}
function param(req: Request, name: string): string {
  const v = req.params[name];
  return typeof v === 'string' ? v : '';
}
function query(req: Request, name: string): string {
  const v = req.query[name];
  return typeof v === 'string' ? v.slice(0, 256) : '';
}

export function createConsoleRouter(deps: ConsoleDeps): Router {
  const guard = createConsoleGuard({ access: deps.access, randomBytes: deps.randomBytes, ...(deps.allowedHosts !== undefined && { allowedHosts: deps.allowedHosts }) });
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '16kb' });
  const json = express.json({ limit: '64kb' });
  const page = (res: Response, status: number, title: string, active: ConsolePage, body: ReturnType<typeof html>): void => {
    res.status(status).type('html').send(layout({ title, active, csrfToken: guard.csrfToken, region: deps.region, body }));
  };

  async function listStores(): Promise<StoreEntry[]> {
    const r = await deps.invoke('DescribeCustomKeyStores', {});
    if (!r.ok) throw new Error(`${r.type}: ${r.message}`);
    return (r.response['CustomKeyStores'] as StoreEntry[] | undefined) ?? [];
  }
  async function describeStore(id: string): Promise<StoreEntry | undefined> {
    const r = await deps.invoke('DescribeCustomKeyStores', { CustomKeyStoreId: id });
    return r.ok ? (r.response['CustomKeyStores'] as StoreEntry[])[0] : undefined;
  }
  /** Every key: ListKeys page after page (Truncated / NextMarker), as an SDK paginator does (issue 21). */
  async function listKeyIds(): Promise<string[]> {
    const ids: string[] = [];
    let marker: string | undefined;
    do {
      const r = await deps.invoke('ListKeys', { Limit: 1000, ...(marker !== undefined && { Marker: marker }) });
      if (!r.ok) throw new Error(`${r.type}: ${r.message}`);
      for (const { KeyId } of r.response['Keys'] as { KeyId: string }[]) ids.push(KeyId);
      marker = r.response['Truncated'] === true ? (r.response['NextMarker'] as string) : undefined;
    } while (marker !== undefined);
    return ids;
  }
  async function listKeys(store: string): Promise<KeyEntry[]> {
    const out: KeyEntry[] = [];
    for (const KeyId of await listKeyIds()) {
      const d = await deps.invoke('DescribeKey', { KeyId });
      if (!d.ok) continue;
      const m = d.response['KeyMetadata'] as KeyEntry & { Origin?: string };
      if (m.Origin === 'EXTERNAL_KEY_STORE' && (store === '' || m.CustomKeyStoreId === store)) out.push(m);
    }
    return out.sort((a, b) => b.CreationDate - a.CreationDate);
  }

  router.use(guard.access);
  router.get('/', (_req, res) => res.redirect(302, '/console/key-stores'));
  router.get('/assets/console.css', (_req, res) => res.type('css').send(CONSOLE_CSS));
  router.get('/assets/console.js', (_req, res) => res.type('js').send(CONSOLE_JS));

  // External key stores.
  router.get('/key-stores', async (req, res) => {
    const created = query(req, 'created');
    page(res, 200, 'External key stores', 'key-stores', renderKeyStoresPage(await listStores(), created === '' ? undefined : `Key store ${created} created. Select it, then Key store actions -> Connect.`, deps.keyManagerOf));
  });
  router.get('/fragments/key-stores', async (_req, res) => {
    res.type('html').send(renderStoreRows(await listStores(), deps.keyManagerOf).value);
  });
  router.get('/key-stores/new', (_req, res) => {
    page(res, 200, 'Create external key store', 'key-stores', renderStoreForm({ csrfToken: guard.csrfToken, values: EMPTY_STORE_FORM }));
  });
  router.post('/key-stores', form, guard.stateChange, async (req, res) => {
    const v = formValues(req.body);
    const body: Record<string, unknown> = {
      CustomKeyStoreName: v.name,
      CustomKeyStoreType: 'EXTERNAL_KEY_STORE',
      XksProxyConnectivity: v.connectivity,
      XksProxyUriEndpoint: v.endpoint,
      XksProxyUriPath: v.path,
      XksProxyAuthenticationCredential: { AccessKeyId: v.accessKeyId, RawSecretAccessKey: text(req.body, 'secret') },
      ...(v.vpcServiceName !== '' && { XksProxyVpcEndpointServiceName: v.vpcServiceName }),
      ...(v.vpcServiceOwner !== '' && { XksProxyVpcEndpointServiceOwner: v.vpcServiceOwner }),
    };
    const r = await deps.invoke('CreateCustomKeyStore', body);
    if (r.ok) {
      res.redirect(303, `/console/key-stores?created=${encodeURIComponent(String(r.response['CustomKeyStoreId']))}`);
      return;
    }
    page(res, 400, 'Create external key store', 'key-stores', renderStoreForm({ csrfToken: guard.csrfToken, values: v, error: r }));
  });
  router.get('/key-stores/:id/edit', async (req, res) => {
    const store = await describeStore(param(req, 'id'));
    if (store === undefined) return page(res, 404, 'Key store not found', 'key-stores', html`<p>No key store ${param(req, 'id')}.</p>`);
    page(res, 200, `Edit ${store.CustomKeyStoreName}`, 'key-stores', renderStoreForm({ csrfToken: guard.csrfToken, values: valuesOf(store), store, ...lockedFor(store) }));
  });
  router.post('/key-stores/:id/edit', form, guard.stateChange, async (req, res) => {
    const store = await describeStore(param(req, 'id'));
    if (store === undefined) return page(res, 404, 'Key store not found', 'key-stores', html`<p>No key store ${param(req, 'id')}.</p>`);
    const v = formValues(req.body);
    const was = valuesOf(store);
    const secret = text(req.body, 'secret');
    // Only what changed: UpdateCustomKeyStore then applies its own rules for the store's state (spec B5).
    const body: Record<string, unknown> = { CustomKeyStoreId: store.CustomKeyStoreId };
    if (v.name !== was.name) body['NewCustomKeyStoreName'] = v.name;
    if (v.path !== was.path) body['XksProxyUriPath'] = v.path;
    if (req.body !== undefined && 'endpoint' in req.body && v.endpoint !== was.endpoint) body['XksProxyUriEndpoint'] = v.endpoint;
    if (req.body !== undefined && 'connectivity' in req.body && v.connectivity !== was.connectivity) body['XksProxyConnectivity'] = v.connectivity;
    if (req.body !== undefined && 'vpcServiceName' in req.body && v.vpcServiceName !== was.vpcServiceName) body['XksProxyVpcEndpointServiceName'] = v.vpcServiceName;
    if (req.body !== undefined && 'vpcServiceOwner' in req.body && v.vpcServiceOwner !== was.vpcServiceOwner) body['XksProxyVpcEndpointServiceOwner'] = v.vpcServiceOwner;
    if (secret !== '' || v.accessKeyId !== was.accessKeyId) {
      body['XksProxyAuthenticationCredential'] = { AccessKeyId: v.accessKeyId, ...(secret !== '' && { RawSecretAccessKey: secret }) };
    }
    const r = await deps.invoke('UpdateCustomKeyStore', body);
    if (r.ok) {
      res.redirect(303, '/console/key-stores');
      return;
    }
    page(res, 400, `Edit ${store.CustomKeyStoreName}`, 'key-stores', renderStoreForm({ csrfToken: guard.csrfToken, values: v, store, error: r, ...lockedFor(store) }));
  });
  router.post('/api/key-stores/:id/:action', json, guard.stateChange, async (req, res) => {
    const action = Object.hasOwn(STORE_ACTIONS, param(req, 'action')) ? STORE_ACTIONS[param(req, 'action')] : undefined;
    if (action === undefined) return void res.status(404).json({ ok: false, type: 'NotFound', message: 'unknown action' });
    const r = await deps.invoke(action[0], { CustomKeyStoreId: param(req, 'id') });
    res.json(r.ok ? { ok: true, message: action[1] } : r);
  });

  // KMS keys.
  router.get('/keys', async (req, res) => {
    const store = query(req, 'store');
    const done = query(req, 'done');
    const notice = Object.hasOwn(KEY_ACTIONS, done) ? `${KEY_ACTIONS[done]?.[2] ?? ''} (${query(req, 'key')})` : query(req, 'created') === '' ? undefined : `KMS key ${query(req, 'created')} created.`;
    page(res, 200, 'KMS keys', 'keys', renderKeysPage({ csrfToken: guard.csrfToken, stores: await listStores(), keys: await listKeys(store), store, ...(notice !== undefined && { notice }) }));
  });
  router.post('/keys', form, guard.stateChange, async (req, res) => {
    const store = text(req.body, 'customKeyStoreId');
    const xksKeyId = text(req.body, 'xksKeyId');
    const description = text(req.body, 'description');
    const r = await deps.invoke('CreateKey', { Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: store, XksKeyId: xksKeyId, ...(description !== '' && { Description: description }) });
    if (r.ok) {
      const id = (r.response['KeyMetadata'] as { KeyId: string }).KeyId;
      res.redirect(303, `/console/keys?store=${encodeURIComponent(store)}&created=${encodeURIComponent(id)}`);
      return;
    }
    page(res, 400, 'KMS keys', 'keys', renderKeysPage({ csrfToken: guard.csrfToken, stores: await listStores(), keys: await listKeys(store), store, error: r, xksKeyId }));
  });
  router.post('/api/keys/:id/:action', json, guard.stateChange, async (req, res) => {
    const action = Object.hasOwn(KEY_ACTIONS, param(req, 'action')) ? KEY_ACTIONS[param(req, 'action')] : undefined;
    if (action === undefined) return void res.status(404).json({ ok: false, type: 'NotFound', message: 'unknown action' });
    const r = await deps.invoke(action[0], { KeyId: param(req, 'id'), ...action[1] });
    res.json(r.ok ? { ok: true, message: action[2] } : r);
  });
  router.post('/api/try/:kind', json, guard.stateChange, async (req, res) => {
    let r: InvokeResult;
    switch (param(req, 'kind')) {
      case 'encrypt':
        r = await deps.invoke('Encrypt', { KeyId: text(req.body, 'KeyId'), Plaintext: Buffer.from(text(req.body, 'text'), 'utf8').toString('base64') });
        break;
      case 'decrypt':
        r = await deps.invoke('Decrypt', { CiphertextBlob: text(req.body, 'blob') });
        break;
      case 'generate-data-key':
        r = await deps.invoke('GenerateDataKey', { KeyId: text(req.body, 'KeyId'), KeySpec: 'AES_256' });
        break;
      default:
        return void res.status(404).json({ ok: false, type: 'NotFound', message: 'unknown Try-it operation' });
    }
    const calls = deps.proxyCalls.byRequestId(r.requestId);
    const decodedText = r.ok && param(req, 'kind') === 'decrypt' ? Buffer.from(String(r.response['Plaintext']), 'base64').toString('utf8') : undefined;
    res.json({ ...r, calls, ...(decodedText !== undefined && { decodedText }) });
  });

  // A key's page: its access decisions, key policy and grants (why KMS said no). The emulator's own view of the
  // key, not a KMS call: a key whose policy refuses the console's caller can still be explained.
  router.get('/keys/:id', (req, res) => {
    const view = deps.keyAccess?.(param(req, 'id'));
    if (view === undefined) return page(res, 404, 'KMS key not found', 'keys', html`<p class="error" role="alert">No KMS key ${param(req, 'id')} in this emulator.</p><p><a href="/console/keys">All KMS keys</a></p>`);
    page(res, 200, `KMS key ${view.keyId}`, 'keys', renderKeyAccessPage(view));
  });

  // Proxy calls and explanations.
  const filters = (req: Request): CallFilters => ({ store: query(req, 'store'), operation: query(req, 'operation'), kmsRequestId: query(req, 'kmsRequestId'), outcome: query(req, 'outcome') });
  router.get('/proxy-calls', async (req, res) => {
    const stores = (await listStores()).map((s) => ({ id: s.CustomKeyStoreId, name: s.CustomKeyStoreName }));
    page(res, 200, 'Proxy calls', 'proxy-calls', renderProxyCallsPage(filterCalls(deps.proxyCalls.list(), filters(req)), filters(req), stores));
  });
  router.get('/fragments/proxy-calls', (req, res) => {
    res.type('html').send(renderCallRows(filterCalls(deps.proxyCalls.list(), filters(req))).value);
  });
  router.get('/proxy-calls/:seq', async (req, res) => {
    const call = deps.proxyCalls.bySeq(Number(param(req, 'seq')));
    if (call === undefined) return page(res, 404, 'Proxy call not found', 'proxy-calls', html`<p>The emulator keeps its most recent proxy calls only. <a href="/console/proxy-calls">All proxy calls</a></p>`);
    let decisions: readonly DecisionRecord[] | undefined;
    let explainError: string | undefined;
    if (deps.explain !== undefined && call.kmsRequestId !== undefined) {
      try {
        decisions = await deps.explain(call.kmsRequestId);
      } catch (error) {
        explainError = error instanceof Error ? error.message : String(error);
      }
    }
    const related = call.kmsRequestId === undefined ? [call] : deps.proxyCalls.byRequestId(call.kmsRequestId);
    page(res, 200, `Proxy call ${call.seq}: ${call.operation}`, 'proxy-calls', html`${renderCallDetail(call, related, decisions, deps.explain !== undefined)}${explainError === undefined ? '' : html`<p class="error" role="alert">Could not ask the proxy: ${explainError}</p>`}`);
  });

  router.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    page(res, 500, 'Console error', 'key-stores', html`<p class="error" role="alert">${error instanceof Error ? error.message : String(error)}</p>`);
  });
  return router;
}

function formValues(body: unknown): StoreFormValues {
  return {
    name: text(body, 'name'),
    connectivity: text(body, 'connectivity') || 'PUBLIC_ENDPOINT',
    endpoint: text(body, 'endpoint'),
    path: text(body, 'path'),
    vpcServiceName: text(body, 'vpcServiceName'),
    vpcServiceOwner: text(body, 'vpcServiceOwner'),
    accessKeyId: text(body, 'accessKeyId'),
  };
}

function valuesOf(s: StoreEntry): StoreFormValues {
  const x = s.XksProxyConfiguration;
  return { name: s.CustomKeyStoreName, connectivity: x.Connectivity, endpoint: x.UriEndpoint, path: x.UriPath, vpcServiceName: x.VpcEndpointServiceName ?? '', vpcServiceOwner: x.VpcEndpointServiceOwner ?? '', accessKeyId: x.AccessKeyId };
}

/** spec B5: connectivity, endpoint and VPC service change only while DISCONNECTED (the API refuses otherwise too). */
function lockedFor(s: StoreEntry): { locked?: string } {
  return s.ConnectionState === 'DISCONNECTED' ? {} : { locked: `Disconnect the key store to change this (it is ${s.ConnectionState}).` };
}
