/**
 * The transcription of KMS's TrustedCertificateAuthorities list (src/check/for-kms/kms-trusted-roots.ts), checked
 * against an independent source: Node's own root bundle (tls.rootCertificates, Mozilla's list). A typo in a
 * fingerprint makes an entry match nothing there.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { rootCertificates } from 'node:tls';
import { fingerprintOf, KMS_TRUSTED_ROOTS } from '../../../../src/check/for-kms/kms-trusted-roots.js';

const nodeRoots = rootCertificates.map((p) => new X509Certificate(p));

test('KMS trusted roots: 130 entries (the spec\'s count), unique aliases and SHA-256 fingerprints as 64 lower-case hex digits', () => {
  assert.equal(KMS_TRUSTED_ROOTS.length, 130);
  assert.equal(new Set(KMS_TRUSTED_ROOTS.map((r) => r.alias)).size, 130);
  assert.equal(new Set(KMS_TRUSTED_ROOTS.map((r) => r.sha256)).size, 130);
  for (const r of KMS_TRUSTED_ROOTS) {
    assert.match(r.sha256, /^[0-9a-f]{64}$/, r.alias);
    assert.match(r.notAfter, /^\d{4}-\d{2}-\d{2}$/, r.alias);
    assert.match(r.owner, /(CN|OU|O)=/, r.alias);
  }
});

test('KMS trusted roots: most fingerprints are those of the same-named root in Node\'s bundle (an independent source)', () => {
  const byFingerprint = new Map(nodeRoots.map((c) => [fingerprintOf(c), c]));
  const matched = KMS_TRUSTED_ROOTS.filter((r) => byFingerprint.has(r.sha256));
  // 102 of 130 on Node 20.20 and 74 on Node 26.12: the others left Mozilla's list since 2022 (expired, distrusted)
  // or were re-issued, and each Node.js line ships a newer list. Every match is an independent confirmation.
  assert.ok(matched.length >= 60, `${matched.length} matched`);
  for (const r of matched) {
    const cn = /(?:^|, )CN=([^,]+)/.exec(r.owner)?.[1];
    if (cn !== undefined) assert.match(byFingerprint.get(r.sha256)?.subject ?? '', new RegExp(`CN=${cn.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`), r.alias);
  }
});

test('KMS trusted roots: Amazon Root CA 1-4 (what ACM certificates chain to) are on the list with Node\'s fingerprints', () => {
  for (const n of [1, 2, 3, 4]) {
    const entry = KMS_TRUSTED_ROOTS.find((r) => r.alias === `amazonrootca${n}`);
    const node = nodeRoots.find((c) => c.subject.includes(`CN=Amazon Root CA ${n}`));
    assert.ok(entry !== undefined && node !== undefined, String(n));
    assert.equal(entry.sha256, fingerprintOf(node));
  }
});
