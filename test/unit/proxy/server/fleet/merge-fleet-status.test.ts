/**
 * `xks status` on a fleet (`xks serve --workers N`) with a PKCS#11 store (docs/hsm.md "Fleet"): the merged view sums
 * the workers' sessions and counters and keeps the shared token; an HSM one worker cannot reach is reported with its
 * reason; formatStatus shows each worker's token and pool under its worker line.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatStatus } from '../../../../../src/cli/status-command.js';
import type { KeyStoreStatus, ProxyStatus, WorkerStatus } from '../../../../../src/proxy/admin/proxy-status.js';
import { mergeBackend, mergeFleetStatus } from '../../../../../src/proxy/server/fleet/merge-fleet-status.js';

type Backend = NonNullable<KeyStoreStatus['backend']>;

const hsm = (over: Partial<Backend> = {}): Backend => ({
  kind: 'pkcs11',
  token: 'xks',
  tokenModel: 'SoftHSM project SoftHSM v2',
  sessionsOpen: 2,
  sessionsInUse: 1,
  sessionsMax: 4,
  waiting: 0,
  deadlineExceeded: 1,
  deviceErrors: 0,
  reinitializations: 0,
  ...over,
});

function store(health: string, backend: Backend): KeyStoreStatus {
  return { name: 'hsm', uriPath: '/kms/xks/v1', keys: 0, keyFileProblems: [], health, credentials: [], servedFromMemory: [], backend };
}

function worker(id: number, keyStore: KeyStoreStatus): WorkerStatus {
  const status: ProxyStatus = { configSource: 'config.json', loadedAt: '2026-12-06T07:00:00.000Z', loadReason: 'start', keyStores: [keyStore] };
  return { id, pid: 1000 + id, startedAt: '2026-12-06T07:00:00.000Z', restarts: 0, status };
}

describe('mergeBackend', () => {
  test('two workers on one token -> token kept, sessions and counters summed', () => {
    assert.deepEqual(mergeBackend([hsm(), hsm({ sessionsOpen: 3, sessionsInUse: 2, waiting: 1, deadlineExceeded: 0, deviceErrors: 2, reinitializations: 1 })]), {
      kind: 'pkcs11',
      token: 'xks',
      tokenModel: 'SoftHSM project SoftHSM v2',
      sessionsOpen: 5,
      sessionsInUse: 3,
      sessionsMax: 8,
      waiting: 1,
      deadlineExceeded: 1,
      deviceErrors: 2,
      reinitializations: 1,
    });
  });

  test('the second worker cannot reach the HSM -> its reason on the fleet view', () => {
    assert.equal(mergeBackend([hsm(), hsm({ unavailableReason: 'CKR_DEVICE_ERROR' })])?.unavailableReason, 'CKR_DEVICE_ERROR');
    assert.equal(Object.hasOwn(mergeBackend([hsm(), hsm()]) ?? {}, 'unavailableReason'), false);
  });

  test('key files, or no backend -> unchanged', () => {
    assert.deepEqual(mergeBackend([{ kind: 'keyDirectory' }, { kind: 'keyDirectory' }]), { kind: 'keyDirectory' });
    assert.equal(mergeBackend([undefined, undefined]), undefined);
  });
});

describe('xks status on a fleet with a PKCS#11 store', () => {
  test('each worker line -> its token and sessions; the store line -> the fleet sum', () => {
    const status = mergeFleetStatus([worker(1, store('ACTIVE', hsm())), worker(2, store('UNAVAILABLE', hsm({ sessionsOpen: 0, sessionsInUse: 0, unavailableReason: 'token not present' })))]);
    assert.equal(status.keyStores[0]?.health, 'UNAVAILABLE');
    assert.equal(status.keyStores[0]?.backend?.sessionsOpen, 2);
    const lines = formatStatus(status).split('\n');
    const w1 = lines.indexOf('worker 1 pid 1001 started 2026-12-06T07:00:00.000Z restarts 0');
    const w2 = lines.indexOf('worker 2 pid 1002 started 2026-12-06T07:00:00.000Z restarts 0');
    assert.ok(w1 >= 0 && w2 > w1, lines.join('\n'));
    assert.equal(lines[w1 + 1], '  key store hsm  health ACTIVE  HSM token "xks"');
    assert.equal(lines[w1 + 2], '    PKCS#11 sessions 1/2 in use (max 4, 0 waiting); deadline exceeded 1, device errors 0');
    assert.equal(lines[w2 + 1], '  key store hsm  health UNAVAILABLE  HSM token "xks"');
    assert.equal(lines[w2 + 2], '    PKCS#11 sessions 0/0 in use (max 4, 0 waiting); deadline exceeded 1, device errors 0');
    assert.equal(lines[w2 + 3], '    HSM unavailable: token not present');
    assert.ok(lines.includes('  PKCS#11 sessions 1/2 in use (max 8, 0 waiting); deadline exceeded 2, device errors 0, re-initialisations 0'), lines.join('\n'));
    assert.ok(lines.includes('  HSM unavailable: token not present'));
  });
});
