/**
 * The console's "Key custody" (docs/console.md): from what a store's proxy said about its key manager in the last
 * GetHealthStatus answered. This project's key files, this project's PKCS#11 backend (the token), another vendor's
 * proxy, nothing learned yet; the proxy's text is escaped.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeKeyCustody, renderKeyCustody } from '../../../../src/kms-emulator/console/key-custody.js';
import type { KeyManagerReport } from '../../../../src/kms-emulator/store/records.js';

const AT = Date.UTC(2026, 11, 6, 7, 30);
const report = (xksProxyVendor: string, ekmVendor: string, fleet: [string, string][]): KeyManagerReport => ({
  at: AT,
  xksProxyVendor,
  ekmVendor,
  ekmFleetDetails: fleet.map(([id, model]) => ({ id, model })),
});

describe('describeKeyCustody', () => {
  const rows: [string, KeyManagerReport | undefined, { kind: string; label: string; detail: string }][] = [
    ['nothing learned', undefined, { kind: 'unknown', label: 'Not known yet', detail: 'Learned from the proxy when the store connects.' }],
    ['empty fleet', report('xks-proxy project', 'xks-proxy project', []), { kind: 'unknown', label: 'Not known yet', detail: 'Learned from the proxy when the store connects.' }],
    [
      'this proxy, key files (default model)',
      report('xks-proxy project', 'xks-proxy project', [['in-process-1', 'xks-proxy in-process AES-256-GCM key manager 0.1.0']]),
      { kind: 'files', label: 'Files', detail: 'Key files of the proxy' },
    ],
    [
      'this proxy, PKCS#11 store (the token)',
      report('xks-proxy project', 'xks-proxy project', [['xks', 'SoftHSM project SoftHSM v2']]),
      { kind: 'hsm', label: 'HSM (PKCS#11)', detail: 'SoftHSM project SoftHSM v2, token xks' },
    ],
    [
      'another vendor (AWS sample proxy shape)',
      report('AWS', 'SoftHSMv2', [['ekm-1', 'SoftHSM v2'], ['ekm-2', 'SoftHSM v2']]),
      { kind: 'external', label: 'External key manager', detail: 'SoftHSMv2: SoftHSM v2 (ekm-1); SoftHSM v2 (ekm-2)' },
    ],
  ];
  for (const [name, input, expected] of rows) {
    test(`${name} -> ${expected.kind}`, () => assert.deepEqual(describeKeyCustody(input), expected));
  }
});

describe('renderKeyCustody', () => {
  test('HSM store -> label, token and time; the proxy-supplied text is escaped, never markup', () => {
    const out = renderKeyCustody(report('xks-proxy project', 'x', [['<img src=x onerror=alert(1)>', 'Vendor "A" & <b>B</b>']])).value;
    assert.match(out, /data-custody="hsm">HSM \(PKCS#11\)<\/span>/);
    assert.ok(out.includes('Vendor &quot;A&quot; &amp; &lt;b&gt;B&lt;/b&gt;, token &lt;img src=x onerror=alert(1)&gt;'), out);
    assert.ok(!out.includes('<img') && !out.includes('<b>'), out);
    assert.ok(out.includes('as of 2026-12-06 07:30:00 UTC'), out);
  });

  test('nothing learned -> "Not known yet", no time', () => {
    const out = renderKeyCustody(undefined).value;
    assert.match(out, /data-custody="unknown">Not known yet/);
    assert.ok(!out.includes('as of'));
  });
});
