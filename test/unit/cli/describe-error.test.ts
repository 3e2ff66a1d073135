import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeCliError } from '../../../src/cli/describe-error.js';
import { ConfigError } from '../../../src/proxy/config/load-config.js';

test('describeCliError: EACCES on a key directory -> the path, the uid and how to fix it (chown, XKS_UID for compose)', () => {
  const error = Object.assign(new Error("EACCES: permission denied, mkdir '/app/keys/dev'"), { code: 'EACCES', syscall: 'mkdir', path: '/app/keys/dev' });
  const message = describeCliError(error, 1000);
  assert.match(message, /^permission denied: cannot mkdir \/app\/keys\/dev as uid 1000\./);
  assert.match(message, /chown 1000/);
  assert.match(message, /XKS_UID=\$\(id -u\) XKS_GID=\$\(id -g\) docker compose up/);
});

test('describeCliError: other errors keep their message; a ConfigError its list of problems', () => {
  assert.equal(describeCliError(new Error('boom'), 0), 'boom');
  assert.equal(describeCliError('text', 0), 'text');
  const config = new ConfigError('/x/config.json', ['listen.port: expected a number']);
  assert.equal(describeCliError(config, 0), config.message);
});
