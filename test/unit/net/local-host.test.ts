/**
 * The one Host rule of the listeners meant for this host only (issue 21, finding 1: DNS rebinding): loopback names
 * and addresses with any port, plus names the operator allowed, compared without case and port; everything else,
 * including look-alikes, is refused.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkAllowedHosts, hostName, isLocalHostHeader, isLoopbackAddress } from '../../../src/net/local-host.js';

describe('isLocalHostHeader', () => {
  const rows: readonly (readonly [string | undefined, readonly string[], boolean])[] = [
    ['127.0.0.1:7800', [], true],
    ['127.0.0.1', [], true],
    ['127.8.9.10:1', [], true],
    ['localhost:7701', [], true],
    ['LOCALHOST', [], true],
    ['[::1]:7800', [], true],
    ['attacker.example:7800', [], false],
    ['attacker.example', [], false],
    ['localhost.attacker.example', [], false],
    ['127.0.0.1.attacker.example', [], false],
    ['localhost:7800@attacker.example', [], false],
    ['', [], false],
    [undefined, [], false],
    ['10.0.0.5:7800', [], false],
    ['kms.internal:7800', ['kms.internal'], true],
    ['KMS.Internal', ['kms.internal'], true],
    ['kms.internal.attacker.example', ['kms.internal'], false],
    ['10.0.0.5:7800', ['10.0.0.5'], true],
    ['[fd00::5]:7800', ['[fd00::5]'], true],
    ['kms.internal:7800:1', ['kms.internal'], false],
  ];
  for (const [host, allowed, expected] of rows) {
    it(`Host ${JSON.stringify(host)} with allowed ${JSON.stringify(allowed)} -> ${expected ? 'answered' : 'refused'}`, () => {
      assert.equal(isLocalHostHeader(host, allowed), expected);
    });
  }
});

describe('hostName, checkAllowedHosts, isLoopbackAddress', () => {
  it('hostName drops the port and lower-cases; malformed -> empty', () => {
    assert.equal(hostName('Kms.Internal:7800'), 'kms.internal');
    assert.equal(hostName('[::1]:80'), '[::1]');
    assert.equal(hostName('a:b:c'), '');
  });
  it('checkAllowedHosts: names and IP literals pass; a port, a scheme, a wildcard or a space is a problem', () => {
    assert.deepEqual(checkAllowedHosts(['kms.internal', '10.0.0.5', '[fd00::5]', 'emulator']), []);
    assert.equal(checkAllowedHosts(['kms.internal:7800', 'http://kms', '*.example', 'a b', '']).length, 5);
  });
  it('isLoopbackAddress: 127/8, ::1 and IPv4-mapped 127/8 only', () => {
    assert.equal(isLoopbackAddress('127.0.0.1'), true);
    assert.equal(isLoopbackAddress('::ffff:127.0.0.1'), true);
    assert.equal(isLoopbackAddress('::1'), true);
    assert.equal(isLoopbackAddress('10.0.0.1'), false);
    assert.equal(isLoopbackAddress(undefined), false);
  });
});
