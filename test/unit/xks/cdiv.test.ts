import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { computeCdiv, type CdivParts } from '../../../src/xks/cdiv.js';
import { decodeBase64Strict } from '../../../src/crypto/base64.js';
import a9 from '../../vectors/cdiv-spec-a9.json' with { type: 'json' };

type PartName = keyof typeof a9.parts;

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const fromBase64 = (s: string): Uint8Array => {
  const got = decodeBase64Strict(s);
  assert.ok(got, `vector base64 must be strict: ${s}`);
  return got;
};

function partsFor(uses: readonly string[], decode: (p: { hex: string; base64: string }) => Uint8Array): CdivParts {
  const pick = (name: PartName): Uint8Array | undefined => (uses.includes(name) ? decode(a9.parts[name]) : undefined);
  const required = (name: PartName): Uint8Array => pick(name) ?? new Uint8Array(0);
  const parts: CdivParts = { iv: required('iv'), ciphertext: required('ciphertext'), tag: required('tag') };
  const aad = pick('aad');
  const metadata = pick('metadata');
  if (aad) parts.aad = aad;
  if (metadata) parts.metadata = metadata;
  return parts;
}

test('cdiv: vector file -> has a source and the three A9 cases', () => {
  assert.ok(a9.source.length > 0);
  assert.deepEqual(a9.cases.map((c) => c.id), ['spec', 'without-metadata', 'iv-ciphertext-tag-only']);
});

test('cdiv: vector parts -> hex and base64 forms agree', () => {
  for (const p of Object.values(a9.parts)) {
    assert.deepEqual(fromBase64(p.base64), hex(p.hex));
  }
});

for (const c of a9.cases) {
  test(`cdiv: spec A9 ${c.id} (hex parts) -> ${c.cdiv}`, () => {
    assert.equal(computeCdiv(partsFor(c.uses, (p) => hex(p.hex))), c.cdiv);
    assert.equal(Buffer.from(c.cdiv, 'base64').toString('hex'), c.sha256);
  });

  test(`cdiv: spec A9 ${c.id} (base64 parts from the A5 example) -> ${c.cdiv}`, () => {
    assert.equal(computeCdiv(partsFor(c.uses, (p) => fromBase64(p.base64))), c.cdiv);
  });
}

test('cdiv: absent and empty aad/metadata -> same value (A9: absent counts as empty)', () => {
  const base = partsFor(['iv', 'ciphertext', 'tag'], (p) => hex(p.hex));
  const empty = new Uint8Array(0);
  const expected = computeCdiv(base);
  assert.equal(computeCdiv({ ...base, aad: empty, metadata: empty }), expected);
  assert.equal(computeCdiv({ ...base, aad: undefined, metadata: undefined }), expected);
});

test('cdiv: bytes moved between aad and metadata -> same value (A9 has no length prefixes, unlike A8)', () => {
  const base = partsFor(['iv', 'ciphertext', 'tag'], (p) => hex(p.hex));
  assert.equal(computeCdiv({ ...base, aad: hex('6162'), metadata: hex('63') }), computeCdiv({ ...base, aad: hex('61'), metadata: hex('6263') }));
});

test('cdiv: one bit flipped in the tag -> different value', () => {
  const parts = partsFor(a9.cases[0]?.uses ?? [], (p) => hex(p.hex));
  const tag = parts.tag.slice();
  tag[0] = (tag[0] ?? 0) ^ 1;
  assert.notEqual(computeCdiv({ ...parts, tag }), a9.cases[0]?.cdiv);
});

test('cdiv: result -> standard base64 of a 32-byte SHA-256', () => {
  const parts = { iv: new Uint8Array(12), ciphertext: new Uint8Array(0), tag: new Uint8Array(16) };
  const cdiv = computeCdiv(parts);
  assert.equal(cdiv.length, 44);
  assert.equal(cdiv, createHash('sha256').update(new Uint8Array(28)).digest('base64'));
  assert.ok(decodeBase64Strict(cdiv));
});
