import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adminUrlFromText } from '../../../src/cli/admin-client.js';

test('adminUrlFromText: admin.host/port of a configuration that does not validate', () => {
  assert.equal(adminUrlFromText('{"admin":{"host":"127.0.0.1","port":7701},"keyStores":"not an array"}'), 'http://127.0.0.1:7701');
  assert.equal(adminUrlFromText('{"admin":{"port":9001}}'), 'http://127.0.0.1:9001');
  assert.equal(adminUrlFromText('{"admin":{"host":"::1","port":9001}}'), 'http://[::1]:9001');
});

test('adminUrlFromText: a file that is not JSON any more still names its admin section', () => {
  assert.equal(adminUrlFromText('{\n "admin": { "host": "127.0.0.1", "port": 7801 },\n "keyStores": [,]\n}'), 'http://127.0.0.1:7801');
});

test('adminUrlFromText: no admin section, or no usable port -> undefined', () => {
  assert.equal(adminUrlFromText('{"listen":{"port":7700}}'), undefined);
  assert.equal(adminUrlFromText('{"admin":{"port":"7701"}}'), undefined);
  assert.equal(adminUrlFromText('not json'), undefined);
});
