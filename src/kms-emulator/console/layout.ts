import { html, type SafeHtml } from './html.js';

export type ConsolePage = 'key-stores' | 'keys' | 'proxy-calls';

const NAV: readonly (readonly [ConsolePage, string, string])[] = [
  ['key-stores', '/console/key-stores', 'External key stores'],
  ['keys', '/console/keys', 'KMS keys'],
  ['proxy-calls', '/console/proxy-calls', 'Proxy calls'],
];

/** The page frame: navigation, a live region for results, the CSRF token for the script. */
export function layout(options: { title: string; active: ConsolePage; csrfToken: string; region: string; body: SafeHtml }): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="${options.csrfToken}">
<link rel="icon" href="data:,">
<title>${options.title} - KMS console (local emulator)</title>
<link rel="stylesheet" href="/console/assets/console.css">
<script src="/console/assets/console.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><span class="brand">AWS KMS <small>local emulator, ${options.region}</small></span>
<nav aria-label="Console"><ul>${NAV.map(
    ([page, href, label]) => html`<li><a href="${href}"${page === options.active ? html` aria-current="page"` : ''}>${label}</a></li>`,
  )}</ul></nav></header>
<main id="main">
<h1>${options.title}</h1>
<div id="flash" class="flash" role="status" aria-live="polite"></div>
${options.body}
</main>
</body>
</html>`.value;
}

export function formatTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC');
}
