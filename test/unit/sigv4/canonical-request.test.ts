import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SigV4Error, buildCanonicalHeaders, buildCanonicalQuery, buildCanonicalRequest, buildCanonicalRequestPrefix, collectHeaders } from '../../../src/sigv4/index.js';

test('buildCanonicalQuery: empty query -> empty line', () => {
  assert.equal(buildCanonicalQuery(''), '');
});

test('buildCanonicalQuery: unsorted, repeated names -> sorted by name then value', () => {
  assert.equal(buildCanonicalQuery('b=2&a=z&a=1&c'), 'a=1&a=z&b=2&c=');
});

test('buildCanonicalQuery: reserved and unreserved chars -> RFC 3986 encoding, uppercase hex', () => {
  assert.equal(buildCanonicalQuery("k=%7e!'()*+%2f é"), 'k=~%21%27%28%29%2A%2B%2F%20%C3%A9');
});

test('buildCanonicalQuery: empty segments -> ignored', () => {
  assert.equal(buildCanonicalQuery('&a=1&&'), 'a=1');
});

test('buildCanonicalQuery: invalid percent-escape -> malformed', () => {
  assert.throws(() => buildCanonicalQuery('a=%zz'), (err: unknown) => err instanceof SigV4Error && err.reason === 'malformed');
});

test('buildCanonicalHeaders: repeated header, padded values, inner whitespace -> trimmed, collapsed, joined with ","', () => {
  const headers = collectHeaders(['X-Multi', '  a   b ', 'Host', 'h', 'x-multi', 'c\t\td']);
  assert.equal(buildCanonicalHeaders(headers, ['host', 'x-multi']), 'host:h\nx-multi:a b,c d\n');
});

test('buildCanonicalHeaders: signed header absent -> missing-header', () => {
  assert.throws(
    () => buildCanonicalHeaders(collectHeaders(['Host', 'h']), ['host', 'x-amz-date']),
    (err: unknown) => err instanceof SigV4Error && err.reason === 'missing-header',
  );
});

test('buildCanonicalRequest: path used verbatim, blank line after the headers block', () => {
  const canonical = buildCanonicalRequest({
    method: 'POST',
    path: '/p-1/kms/xks/v1/keys/a.b_c-d/encrypt',
    query: '',
    headers: collectHeaders(['Host', 'h', 'X-Amz-Date', '20240515T120000Z']),
    signedHeaders: ['host', 'x-amz-date'],
    payloadHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  });
  assert.equal(
    canonical,
    'POST\n/p-1/kms/xks/v1/keys/a.b_c-d/encrypt\n\nhost:h\nx-amz-date:20240515T120000Z\n\nhost;x-amz-date\n' +
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  );
});

test('buildCanonicalRequestPrefix: the canonical request up to and including the newline before the payload hash', () => {
  const input = {
    method: 'POST',
    path: '/kms/xks/v1/keys/k1/encrypt',
    query: 'b=2&a=1',
    headers: collectHeaders(['Host', 'example.com', 'X-Amz-Date', '20240515T120000Z', 'Content-Type', ' application/json ']),
    signedHeaders: ['content-type', 'host', 'x-amz-date'],
  };
  const hash = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
  const prefix = buildCanonicalRequestPrefix(input);
  assert.equal(
    prefix,
    'POST\n/kms/xks/v1/keys/k1/encrypt\na=1&b=2\ncontent-type:application/json\nhost:example.com\nx-amz-date:20240515T120000Z\n\ncontent-type;host;x-amz-date\n',
  );
  assert.equal(prefix + hash, buildCanonicalRequest({ ...input, payloadHash: hash }));
});
