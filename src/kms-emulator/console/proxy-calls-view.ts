/** The Proxy calls page and one call's explanation (the proxy's decision record, when the proxy is local). */
import type { DecisionRecord } from '../../proxy/explain/decision-log.js';
import { BLOCK_FACTS, CHECK_HELP, formatFact, summarizeDecision } from '../../proxy/explain/explain-decision.js';
import type { ProxyCall } from '../custom-key-stores/proxy-call-log.js';
import { html, type SafeHtml } from './html.js';
import { formatTime } from './layout.js';

export interface CallFilters {
  readonly store: string;
  readonly operation: string;
  readonly kmsRequestId: string;
  readonly outcome: string;
}

export function filterCalls(calls: readonly ProxyCall[], f: CallFilters): ProxyCall[] {
  return calls.filter(
    (c) =>
      (f.store === '' || c.customKeyStoreId === f.store || c.customKeyStoreName === f.store) &&
      (f.operation === '' || c.operation === f.operation) &&
      (f.kmsRequestId === '' || (c.kmsRequestId ?? '').includes(f.kmsRequestId)) &&
      (f.outcome === '' || (f.outcome === 'ok') === (c.status === 200)),
  );
}

function outcomeText(c: ProxyCall): SafeHtml {
  if (c.status === 200) return html`<span class="ok">\u2714 200</span>`;
  if (c.status !== undefined) return html`<span class="bad">\u2715 ${c.status}</span>`;
  return html`<span class="bad">\u2715 no answer</span>`;
}

export function latencyCell(c: ProxyCall): SafeHtml {
  const over = c.latencyMs > c.budgetMs;
  return html`<meter min="0" max="${c.budgetMs}" low="${Math.round(c.budgetMs * 0.5)}" high="${Math.round(c.budgetMs * 0.8)}" optimum="0" value="${Math.min(c.latencyMs, c.budgetMs)}" aria-hidden="true"></meter>
<span>${c.latencyMs} ms of ${c.budgetMs} ms${over ? html` <strong class="bad">over budget</strong>` : ''}${c.queueMs === undefined ? '' : html` <small>(+${c.queueMs} ms queued in the emulator)</small>`}</span>`;
}

export function renderCallRows(calls: readonly ProxyCall[]): SafeHtml {
  if (calls.length === 0) return html`<tr><td colspan="8" class="empty">No proxy calls match.</td></tr>`;
  return html`${calls.map(
    (c) => html`<tr data-seq="${c.seq}" data-status="${c.status ?? ''}">
<td>${formatTime(c.at)}</td><td>${c.customKeyStoreName ?? c.customKeyStoreId ?? c.endpoint}</td><td>${c.operation}<br><small>${c.kmsOperation ?? ''}</small></td>
<td><code>${c.kmsRequestId ?? ''}</code></td><td>${outcomeText(c)}</td><td>${c.errorName ?? c.failure ?? ''}</td><td>${latencyCell(c)}</td>
<td><a href="/console/proxy-calls/${c.seq}" aria-label="Explain call ${c.seq}">Explain</a></td></tr>`,
  )}`;
}

export function renderProxyCallsPage(calls: readonly ProxyCall[], f: CallFilters, stores: readonly { id: string; name: string }[]): SafeHtml {
  const query = new URLSearchParams(Object.entries(f).filter(([, v]) => v !== '')).toString();
  const option = (value: string, label: string, current: string) => html`<option value="${value}"${value === current ? html` selected` : ''}>${label}</option>`;
  return html`<form method="get" action="/console/proxy-calls" class="filters" role="search" aria-label="Filter proxy calls">
<label for="f-store">Key store</label><select id="f-store" name="store">${option('', 'All', f.store)}${stores.map((s) => option(s.id, s.name, f.store))}</select>
<label for="f-operation">XKS operation</label><select id="f-operation" name="operation">${option('', 'All', f.operation)}${['GetHealthStatus', 'GetKeyMetadata', 'Encrypt', 'Decrypt'].map((o) => option(o, o, f.operation))}</select>
<label for="f-outcome">Outcome</label><select id="f-outcome" name="outcome">${option('', 'All', f.outcome)}${option('ok', 'Answered 200', f.outcome)}${option('error', 'Refused or failed', f.outcome)}</select>
<label for="f-request">kmsRequestId</label><input id="f-request" name="kmsRequestId" value="${f.kmsRequestId}">
<button type="submit">Filter</button></form>
<table id="proxy-calls" data-poll="/console/fragments/proxy-calls${query === '' ? '' : `?${query}`}">
<caption>Calls from this emulator to XKS proxies, newest first (${calls.length})</caption>
<thead><tr><th scope="col">Time</th><th scope="col">Key store</th><th scope="col">XKS operation</th><th scope="col">kmsRequestId</th><th scope="col">HTTP status</th><th scope="col">errorName</th><th scope="col">Latency (budget: 250 ms in KMS)</th><th scope="col"><span class="sr-only">Explain</span></th></tr></thead>
<tbody>${renderCallRows(calls)}</tbody></table>`;
}

export function renderDecision(r: DecisionRecord): SafeHtml {
  return html`<section class="decision" aria-label="Proxy decision">
<p class="summary"><strong>${summarizeDecision(r)}</strong></p>
<ol class="checks">${r.checks.map(
    (c) => html`<li class="${c.result}" data-check="${c.check}"><span class="mark">${c.result === 'refused' ? '\u2715 REFUSED' : '\u2714 passed'}</span> <code>${c.check}</code> - ${CHECK_HELP[c.check].title}</li>`,
  )}</ol>
${r.decidedBy === undefined ? '' : html`<p class="why"><strong>Why:</strong> ${CHECK_HELP[r.decidedBy].refusal}</p>`}
<dl class="facts">${Object.entries(r.facts).map(
    ([name, value]) => html`<dt>${name}</dt><dd>${BLOCK_FACTS.has(name) && typeof value === 'string' ? html`<pre>${value}</pre>` : formatFact(value)}</dd>`,
  )}</dl></section>`;
}

export function renderCallDetail(call: ProxyCall, related: readonly ProxyCall[], decisions: readonly DecisionRecord[] | undefined, explainAvailable: boolean): SafeHtml {
  return html`<p><a href="/console/proxy-calls">\u2190 All proxy calls</a></p>
<dl class="call">
<dt>Time</dt><dd>${formatTime(call.at)}</dd><dt>Key store</dt><dd>${call.customKeyStoreName ?? ''} <code>${call.customKeyStoreId ?? ''}</code></dd>
<dt>Endpoint</dt><dd><code>${call.endpoint}</code></dd><dt>XKS operation</dt><dd>${call.operation} (kmsOperation ${call.kmsOperation ?? '-'})</dd>
<dt>kmsRequestId</dt><dd><code>${call.kmsRequestId ?? ''}</code></dd><dt>Answer</dt><dd>${outcomeText(call)} ${call.errorName ?? call.failure ?? ''}</dd>
<dt>Latency</dt><dd>${latencyCell(call)}</dd></dl>
${related.length > 1 ? html`<p>This KMS request caused ${related.length} proxy calls: ${related.map((c) => html`<a href="/console/proxy-calls/${c.seq}">${c.operation}</a> `)}</p>` : ''}
<h2>Why the proxy answered this way</h2>
${!explainAvailable
    ? html`<p class="hint">The proxy is not local: start the emulator with <code>--with-proxy</code> or <code>--proxy-admin-url</code> to see its decisions here, or run <code>xks explain ${call.kmsRequestId ?? ''}</code> where the proxy runs.</p>`
    : decisions === undefined || decisions.length === 0
      ? html`<p class="hint">The proxy kept no decision for this kmsRequestId (it keeps only its most recent ones, and none when the call never reached it${call.failure === undefined ? '' : html`: this call failed with <code>${call.failure}</code>`}).</p>`
      : decisions.map(renderDecision)}`;
}
