import assert from 'node:assert/strict';
import { test } from 'node:test';
import { certificateNames, compileSubjectPatterns } from '../../../../src/proxy/transport/subject-match.js';

test('mtls subject patterns: `*` is exactly one DNS label, case-insensitive, literal dots', () => {
  const allowed = compileSubjectPatterns(['cks.kms.*.amazonaws.com', 'exact.example.com']);
  for (const ok of ['cks.kms.eu-west-1.amazonaws.com', 'cks.kms.us-east-1.amazonaws.com', 'CKS.KMS.US-EAST-1.AMAZONAWS.COM', 'exact.example.com']) assert.ok(allowed(ok), ok);
  for (const bad of ['cks.kms.a.b.amazonaws.com', 'cks.kms..amazonaws.com', 'cks.kms.eu-west-1.amazonaws.com.evil.com', 'xcks.kms.eu-west-1.amazonaws.com', 'exactxexample.com', 'sub.exact.example.com']) {
    assert.ok(!allowed(bad), bad);
  }
});

test('mtls subject names: CN plus SAN DNS names, not IP or URI SANs', () => {
  assert.deepEqual(
    certificateNames({ subject: { CN: 'a.example' } as never, subjectaltname: 'DNS:b.example, IP Address:127.0.0.1, URI:spiffe://x, DNS:c.example' }),
    ['a.example', 'b.example', 'c.example'],
  );
  assert.deepEqual(certificateNames({ subject: {} as never, subjectaltname: undefined as never }), []);
});
