/**
 * A KMS key's page: its key policy with numbered statements, its grants, and the recent access decisions about it
 * (which statement or grant decided, for whom, on which action): why KMS said yes or no.
 */
import type { KeyAccessView } from '../resources/key-access.js';
import { html, type SafeHtml } from './html.js';
import { formatTime } from './layout.js';

/** The policy's statements, numbered as the decisions number them (1-based). */
function statementsOf(policy: string): string[] {
  try {
    const doc = JSON.parse(policy) as { Statement?: unknown };
    const list = Array.isArray(doc.Statement) ? (doc.Statement as unknown[]) : doc.Statement === undefined ? [] : [doc.Statement];
    return list.map((s) => JSON.stringify(s, null, 2));
  } catch {
    return [policy];
  }
}

export function renderKeyAccessPage(options: KeyAccessView): SafeHtml {
  const statements = statementsOf(options.policy);
  return html`<p><a href="/console/keys">All KMS keys</a></p>
<p><code>${options.keyArn}</code> <span class="key-state key-${options.keyState.toLowerCase()}">${options.keyState}</span></p>
<section aria-labelledby="decisions-h" class="panel">
<h2 id="decisions-h">Access decisions</h2>
<p class="hint">Every request that used this key, newest first: who asked, for which action, and which key policy statement or grant decided. Also as JSON: <a href="/_emulator/access?keyId=${options.keyId}"><code>/_emulator/access?keyId=${options.keyId}</code></a>.</p>
<table id="access-decisions">
<caption>Recent access decisions (${options.decisions.length})</caption>
<thead><tr><th scope="col">Time</th><th scope="col">Principal</th><th scope="col">Action</th><th scope="col">Outcome</th><th scope="col">Decided by</th><th scope="col">KMS request id</th></tr></thead>
<tbody>${options.decisions.length === 0
    ? html`<tr><td colspan="6" class="empty">No request has used this key since the emulator started.</td></tr>`
    : options.decisions.map(
        (d) => html`<tr data-outcome="${d.allowed ? 'allowed' : 'denied'}"><td>${formatTime(d.time)}</td><td><code>${d.principalArn}</code></td><td>${d.action}</td>
<td>${d.allowed ? 'allowed' : d.explicitDeny ? html`<strong>denied (explicit deny)</strong>` : html`<strong>denied</strong>`}</td><td>${d.explanation}</td><td><code>${d.requestId}</code></td></tr>`,
      )}</tbody>
</table>
</section>
<section aria-labelledby="policy-h" class="panel">
<h2 id="policy-h">Key policy</h2>
<ol id="policy-statements">${statements.map((s) => html`<li><pre>${s}</pre></li>`)}</ol>
</section>
<section aria-labelledby="grants-h" class="panel">
<h2 id="grants-h">Grants (${options.grants.length})</h2>
<table id="key-grants"><thead><tr><th scope="col">Grant ID</th><th scope="col">Grantee</th><th scope="col">Operations</th><th scope="col">Constraints</th><th scope="col">Retiring principal</th></tr></thead>
<tbody>${options.grants.length === 0
    ? html`<tr><td colspan="5" class="empty">No grants.</td></tr>`
    : options.grants.map(
        (g) => html`<tr><td><code>${g.GrantId}</code>${g.Name === undefined ? '' : html`<br><small>${g.Name}</small>`}</td><td><code>${g.GranteePrincipal}</code></td><td>${g.Operations.join(', ')}</td><td><code>${g.Constraints === undefined ? '' : JSON.stringify(g.Constraints)}</code></td><td><code>${g.RetiringPrincipal ?? ''}</code></td></tr>`,
      )}</tbody></table>
</section>`;
}
