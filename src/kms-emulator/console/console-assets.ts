/**
 * The console's stylesheet and script, served from memory (the production build is tsc only, so they live in a
 * module). Plain CSS and a little vanilla JavaScript: the menu, actions, polling of the live tables and Try it.
 */
export const CONSOLE_CSS = `
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,sans-serif;color:#16191f;background:#f2f3f3}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:6px;z-index:9}
.top{background:#232f3e;color:#fff;display:flex;gap:24px;align-items:center;padding:8px 20px}.brand{font-weight:700}.brand small{font-weight:400;color:#d5dbdb}
.top ul{list-style:none;display:flex;gap:16px;margin:0;padding:0}.top a{color:#fff}.top a[aria-current=page]{font-weight:700;text-decoration-thickness:3px}
main{padding:12px 24px 40px;max-width:1400px}h1{font-size:24px;margin:8px 0 12px}h2{font-size:18px}
:focus-visible{outline:3px solid #0972d3;outline-offset:2px}
table{border-collapse:collapse;width:100%;background:#fff;margin:8px 0 16px}caption{text-align:left;font-weight:700;padding:8px 0}
th,td{border-bottom:1px solid #e9ebed;padding:8px;text-align:left;vertical-align:top}th{background:#fafafa}
tr.selected{background:#f1faff;outline:2px solid #0972d3}td.empty{color:#5f6b7a;font-style:italic}
code{font-size:13px}.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
button,.button{font:inherit;padding:5px 14px;border:2px solid #0972d3;border-radius:18px;background:#fff;color:#0972d3;cursor:pointer;text-decoration:none;display:inline-block}
button.primary,.button.primary{background:#ff9900;border-color:#ec7211;color:#16191f;font-weight:700}button:disabled{border-color:#9ba7b6;color:#9ba7b6;cursor:default}
.toolbar{display:flex;gap:12px;align-items:flex-start}.menu{position:relative}
[role=menu]{position:absolute;z-index:5;list-style:none;margin:4px 0 0;padding:4px 0;background:#fff;border:1px solid #9ba7b6;border-radius:6px;min-width:180px;box-shadow:0 4px 12px #0003}
[role=menu] button{border:0;border-radius:0;width:100%;text-align:left;color:#16191f}[role=menu] button:hover,[role=menu] button:focus{background:#f1faff}
.state{font-weight:600;white-space:nowrap}.state-connected{color:#037f0c}.state-connecting,.state-disconnecting{color:#0972d3}.state-disconnected{color:#5f6b7a}.state-failed{color:#d91515;text-decoration:underline dotted;cursor:help}
.has-tip{position:relative;display:inline-block}.tooltip{display:none;position:absolute;z-index:6;left:0;top:100%;width:420px;background:#16191f;color:#fff;padding:10px 12px;border-radius:6px;font-weight:400;font-size:13px;white-space:normal}
.has-tip:hover .tooltip,.has-tip:focus-within .tooltip{display:block}.tooltip code,.tooltip strong{color:#fff}.tip-head{display:block;font-weight:700;margin-top:6px}.tip-list span{display:block}
.flash .error,.error{background:#fff0f0;border-left:4px solid #d91515;padding:8px 12px;margin:8px 0}.flash .notice,.notice{background:#f2fcf3;border-left:4px solid #037f0c;padding:8px 12px;margin:8px 0}
.hint{color:#5f6b7a}.field{display:flex;flex-direction:column;margin:10px 0;max-width:560px}.field label{font-weight:700}.field small{color:#5f6b7a}.why{color:#8d6605!important}
input,select,textarea{font:inherit;padding:5px 8px;border:1px solid #7d8998;border-radius:4px}fieldset{border:1px solid #d1d5db;max-width:600px}
.panel{background:#fff;padding:8px 16px 16px;margin:16px 0;border:1px solid #e9ebed}.filters{display:flex;gap:8px;align-items:center;flex-wrap:wrap}
.ok{color:#037f0c;font-weight:600}.bad{color:#d91515;font-weight:600}meter{width:90px}
.checks li{margin:2px 0}.checks li.refused{font-weight:700;color:#d91515}.checks li.passed .mark{color:#037f0c}
pre{background:#f4f4f4;padding:8px;overflow:auto;max-width:100%;white-space:pre-wrap;word-break:break-all}dl.facts dt,dl.call dt{font-weight:700}dl.facts dd,dl.call dd{margin:0 0 6px 16px}
.key-state{font-weight:600}.key-enabled{color:#037f0c}.key-disabled,.key-pendingdeletion,.key-unavailable{color:#8d6605}
`;

export const CONSOLE_JS = String.raw`
(() => {
  'use strict';
  const token = document.querySelector('meta[name=csrf-token]').content;
  const flash = document.getElementById('flash');
  const $ = (s) => document.querySelector(s);
  function say(message, isError) {
    flash.textContent = '';
    const p = document.createElement('p');
    p.className = isError ? 'error' : 'notice';
    if (isError) p.setAttribute('role', 'alert');
    p.textContent = message;
    flash.append(p);
  }
  async function post(url, body) {
    const r = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': token }, body: JSON.stringify(body || {}) });
    const type = r.headers.get('content-type') || '';
    return type.includes('json') ? r.json() : { ok: false, type: 'Error', message: await r.text() };
  }

  // Live tables: the server renders the rows; the page asks for them again and swaps them when they changed.
  let selected = null;
  let refreshNow = () => {};
  const polled = document.querySelector('table[data-poll]');
  if (polled) {
    const tbody = polled.tBodies[0];
    let last = null;
    const restore = () => {
      if (selected === null) return;
      const radio = tbody.querySelector('input[name=store][value="' + CSS.escape(selected) + '"]');
      if (radio) { radio.checked = true; radio.closest('tr').classList.add('selected'); }
    };
    const refresh = async () => {
      try {
        const r = await fetch(polled.dataset.poll, { headers: { Accept: 'text/html' } });
        if (!r.ok) return;
        const text = await r.text();
        if (last !== null && text === last) return;
        last = text;
        const focused = document.activeElement && tbody.contains(document.activeElement) ? document.activeElement.id || null : null;
        tbody.innerHTML = text;
        restore();
        if (focused) { const again = document.getElementById(focused); if (again) again.focus(); }
      } catch (e) { /* the emulator may be restarting: try again at the next tick */ }
    };
    refreshNow = refresh;
    setInterval(() => { if (!document.hidden) refresh(); }, 500);
  }

  // External key stores: select a row, then Key store actions.
  const menuButton = document.getElementById('store-actions');
  if (menuButton) {
    const menu = document.getElementById('store-actions-menu');
    const items = () => Array.from(menu.querySelectorAll('[role=menuitem]'));
    const open = () => { menu.hidden = false; menuButton.setAttribute('aria-expanded', 'true'); items()[0].focus(); };
    const close = (focusButton) => { menu.hidden = true; menuButton.setAttribute('aria-expanded', 'false'); if (focusButton) menuButton.focus(); };
    document.addEventListener('change', (e) => {
      if (e.target.name !== 'store') return;
      selected = e.target.value;
      document.querySelectorAll('#key-stores tr.selected').forEach((tr) => tr.classList.remove('selected'));
      e.target.closest('tr').classList.add('selected');
      menuButton.disabled = false;
    });
    menuButton.addEventListener('click', () => (menu.hidden ? open() : close(false)));
    menuButton.addEventListener('keydown', (e) => { if (e.key === 'ArrowDown') { e.preventDefault(); open(); } });
    menu.addEventListener('keydown', (e) => {
      const list = items();
      const i = list.indexOf(document.activeElement);
      if (e.key === 'ArrowDown') { e.preventDefault(); list[(i + 1) % list.length].focus(); }
      else if (e.key === 'ArrowUp') { e.preventDefault(); list[(i - 1 + list.length) % list.length].focus(); }
      else if (e.key === 'Home') { e.preventDefault(); list[0].focus(); }
      else if (e.key === 'End') { e.preventDefault(); list[list.length - 1].focus(); }
      else if (e.key === 'Escape' || e.key === 'Tab') { close(e.key === 'Escape'); }
    });
    document.addEventListener('click', (e) => { if (!menu.hidden && !menu.contains(e.target) && e.target !== menuButton) close(false); });
    menu.addEventListener('click', async (e) => {
      const item = e.target.closest('[data-action]');
      if (!item || selected === null) return;
      const action = item.dataset.action;
      close(true);
      if (action === 'edit') { location.href = '/console/key-stores/' + encodeURIComponent(selected) + '/edit'; return; }
      if (action === 'delete' && !confirm('Delete key store ' + selected + '? Its KMS metadata is removed; the proxy and its keys are untouched.')) return;
      const r = await post('/console/api/key-stores/' + encodeURIComponent(selected) + '/' + action);
      say(r.ok ? r.message : r.type + ': ' + r.message, !r.ok);
      refreshNow();
    });
  }

  // KMS keys: per-row actions.
  document.addEventListener('click', async (e) => {
    const b = e.target.closest('[data-key-action]');
    if (!b) return;
    const action = b.dataset.keyAction;
    if (action === 'schedule-deletion' && !confirm('Schedule deletion of key ' + b.dataset.keyId + ' in 7 days?')) return;
    const r = await post('/console/api/keys/' + encodeURIComponent(b.dataset.keyId) + '/' + action);
    if (!r.ok) { say(r.type + ': ' + r.message, true); return; }
    const url = new URL(location.href);
    url.searchParams.set('done', action);
    url.searchParams.set('key', b.dataset.keyId);
    location.href = url.toString();
  });

  // Try it: the KMS response and the XKS call(s) it caused.
  const tryResult = document.getElementById('try-result');
  function el(tag, text, attrs) { const n = document.createElement(tag); if (text !== undefined) n.textContent = text; Object.entries(attrs || {}).forEach(([k, v]) => n.setAttribute(k, v)); return n; }
  document.querySelectorAll('[data-try]').forEach((b) => b.addEventListener('click', async () => {
    const kind = b.dataset.try;
    const keyId = $('#try-key') ? $('#try-key').value : '';
    const body = kind === 'encrypt' ? { KeyId: keyId, text: $('#try-text').value } : kind === 'decrypt' ? { blob: $('#try-blob').value.trim() } : { KeyId: keyId };
    const r = await post('/console/api/try/' + kind, body);
    tryResult.textContent = '';
    const box = el('section', undefined, { class: 'try-' + kind, 'aria-label': b.textContent + ' result' });
    box.append(el('h3', b.textContent + (r.ok ? ': KMS answered' : ': KMS refused')));
    if (!r.ok) box.append(el('p', r.type + ': ' + r.message, { class: 'error', role: 'alert' }));
    else box.append(el('h4', 'KMS response'), el('pre', JSON.stringify(r.response, null, 2), { class: 'kms-response' }));
    if (r.decodedText !== undefined) box.append(el('p', 'Plaintext as text: ' + r.decodedText, { class: 'decoded' }));
    box.append(el('h4', 'XKS calls it caused (kmsRequestId ' + r.requestId + ')'));
    const list = el('ul', undefined, { class: 'xks-calls' });
    (r.calls || []).forEach((c) => {
      const li = el('li');
      const a = el('a', c.operation + ' (' + c.kmsOperation + ')', { href: '/console/proxy-calls/' + c.seq });
      li.append(a, document.createTextNode(' -> ' + (c.status === undefined ? 'no answer: ' + c.failure : 'HTTP ' + c.status + (c.errorName ? ' ' + c.errorName : '')) + ', ' + c.latencyMs + ' ms of ' + c.budgetMs + ' ms'));
      list.append(li);
    });
    if ((r.calls || []).length === 0) list.append(el('li', 'none'));
    box.append(list);
    tryResult.append(box);
    if (kind === 'encrypt' && r.ok) $('#try-blob').value = r.response.CiphertextBlob;
  }));
})();
`;
