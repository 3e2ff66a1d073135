import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exposedEmulatorWarning, isLoopbackListenHost } from '../../../src/cli/exposed-emulator-warning.js';

test('xks kms --host: loopback addresses need no warning; 0.0.0.0, :: and other addresses do', () => {
  for (const h of ['127.0.0.1', '127.0.0.2', 'localhost', '::1', '[::1]']) assert.equal(isLoopbackListenHost(h), true, h);
  for (const h of ['0.0.0.0', '::', '10.0.0.5', 'kms.internal', '127.0.0.1.example']) assert.equal(isLoopbackListenHost(h), false, h);
});

test('xks kms --host 0.0.0.0: the warning says who can reach the API, what to put in front and where the docs are', () => {
  const text = exposedEmulatorWarning('0.0.0.0');
  assert.match(text, /^WARNING: the KMS emulator listens on 0\.0\.0\.0/);
  assert.match(text, /any well-formed signature/);
  assert.match(text, /--allow-host/);
  assert.match(text, /docs\/kms-emulator\.md/);
});
