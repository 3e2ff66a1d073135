/**
 * ConnectCustomKeyStore really probes the proxy (spec B4, B5, B6): every XKS ConnectionErrorCode is produced by
 * breaking a fake proxy in the matching way, driven through @aws-sdk/client-kms.
 */
import {
  ConnectCustomKeyStoreCommand,
  CreateCustomKeyStoreCommand,
  DescribeCustomKeyStoresCommand,
  DisconnectCustomKeyStoreCommand,
  type CustomKeyStoresListEntry,
} from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import { FAKE_ACCESS_KEY_ID, FAKE_SECRET, startFakeXksProxy, type FakeXksProxy } from '../../support/fake-xks-proxy.js';
import { startHarness, waitFor, type Harness } from '../../support/kms-harness.js';
import { makeTestPki, type TestPki } from '../../support/test-pki.js';
import type { KmsEmulatorConfig } from '../../../src/kms-emulator/context/kms-config.js';
import { testTempDir } from '../../support/temp-dir.js';

const CRED = { AccessKeyId: FAKE_ACCESS_KEY_ID, RawSecretAccessKey: FAKE_SECRET };
let counter = 0;

async function createPublic(h: Harness, fake: FakeXksProxy): Promise<string> {
  const out = await h.kms.send(
    new CreateCustomKeyStoreCommand({
      CustomKeyStoreName: `store-${++counter}`,
      CustomKeyStoreType: 'EXTERNAL_KEY_STORE',
      XksProxyConnectivity: 'PUBLIC_ENDPOINT',
      XksProxyUriEndpoint: `http://127.0.0.1:${fake.port}`,
      XksProxyUriPath: '/kms/xks/v1',
      XksProxyAuthenticationCredential: CRED,
    }),
  );
  return out.CustomKeyStoreId ?? '';
}

async function connectAndSettle(h: Harness, id: string): Promise<CustomKeyStoresListEntry> {
  await h.kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
  const out = await waitFor(
    () => h.kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: id })),
    (d) => d.CustomKeyStores?.[0]?.ConnectionState !== 'CONNECTING',
  );
  return out.CustomKeyStores?.[0] ?? {};
}

describe('ConnectCustomKeyStore against a fake proxy (PUBLIC_ENDPOINT)', () => {
  let h: Harness;
  let fake: FakeXksProxy;
  before(async () => {
    h = await startHarness({ maxCustomKeyStores: 100 });
  });
  after(async () => {
    await h.close();
  });

  const cases: { name: string; code: string | undefined; breakIt: (f: FakeXksProxy) => void | Promise<void> }[] = [
    { name: 'healthy proxy -> CONNECTED', code: undefined, breakIt: () => {} },
    { name: 'wrong secret (proxy rotated its credential) -> INVALID_CREDENTIALS', code: 'INVALID_CREDENTIALS', breakIt: (f) => { f.secret = 'B'.repeat(43); } },
    { name: 'wrong path (proxy moved its prefix) -> XKS_PROXY_INVALID_CONFIGURATION', code: 'XKS_PROXY_INVALID_CONFIGURATION', breakIt: (f) => { f.uriPath = '/other/kms/xks/v1'; } },
    { name: 'proxy down -> XKS_PROXY_NOT_REACHABLE', code: 'XKS_PROXY_NOT_REACHABLE', breakIt: (f) => f.close() },
    // 3 s, not just above 250 ms: the emulator gives a call back the time its own event loop was late (bounded), so
    // on a busy machine a proxy 400 ms slow could still answer within the budget; 12x it cannot.
    { name: 'slow proxy (3 s, 12x the 250 ms budget) -> XKS_PROXY_TIMED_OUT', code: 'XKS_PROXY_TIMED_OUT', breakIt: (f) => { f.mode = { kind: 'slow', ms: 3000 }; } },
    { name: '429 ThrottlingException -> XKS_PROXY_TIMED_OUT', code: 'XKS_PROXY_TIMED_OUT', breakIt: (f) => { f.mode = { kind: 'status', status: 429, errorName: 'ThrottlingException' }; } },
    { name: '503 DependencyTimeoutException -> XKS_PROXY_TIMED_OUT', code: 'XKS_PROXY_TIMED_OUT', breakIt: (f) => { f.mode = { kind: 'status', status: 503, errorName: 'DependencyTimeoutException' }; } },
    { name: '403 AccessDeniedException (authorization deny) -> XKS_PROXY_ACCESS_DENIED', code: 'XKS_PROXY_ACCESS_DENIED', breakIt: (f) => { f.mode = { kind: 'status', status: 403, errorName: 'AccessDeniedException' }; } },
    { name: 'bad JSON -> XKS_PROXY_INVALID_RESPONSE', code: 'XKS_PROXY_INVALID_RESPONSE', breakIt: (f) => { f.mode = { kind: 'bad-json' }; } },
    { name: 'xksProxyFleetSize 0 -> XKS_PROXY_INVALID_RESPONSE', code: 'XKS_PROXY_INVALID_RESPONSE', breakIt: (f) => { f.mode = { kind: 'invalid-health' }; } },
    { name: '500 non-JSON body -> XKS_PROXY_INVALID_RESPONSE', code: 'XKS_PROXY_INVALID_RESPONSE', breakIt: (f) => { f.mode = { kind: 'status', status: 500 }; } },
    { name: 'all key managers UNAVAILABLE -> XKS_PROXY_NOT_REACHABLE', code: 'XKS_PROXY_NOT_REACHABLE', breakIt: (f) => { f.mode = { kind: 'all-unavailable' }; } },
  ];

  for (const c of cases) {
    it(`connect: ${c.name}`, async () => {
      fake = await startFakeXksProxy();
      try {
        const id = await createPublic(h, fake);
        await c.breakIt(fake);
        const entry = await connectAndSettle(h, id);
        if (c.code === undefined) {
          assert.equal(entry.ConnectionState, 'CONNECTED');
          assert.equal(entry.ConnectionErrorCode, undefined);
        } else {
          assert.equal(entry.ConnectionState, 'FAILED');
          assert.equal(entry.ConnectionErrorCode, c.code);
        }
        const health = fake.requests.filter((r) => r.path === '/kms/xks/v1/health').at(-1);
        if (c.code !== 'XKS_PROXY_NOT_REACHABLE' || c.name.startsWith('all')) {
          assert.ok(health, 'the proxy saw a health probe');
          assert.deepEqual(Object.keys((health.body['requestMetadata'] ?? {}) as object).sort(), ['kmsOperation', 'kmsRequestId']);
        }
      } finally {
        await fake.close().catch(() => {});
      }
    });
  }

  it('connect: returns {} before the store is connected; it stays CONNECTING for connectingDelayMs, not less', async () => {
    fake = await startFakeXksProxy();
    // "At once" without a timed upper bound: Connect answers, and the store is still CONNECTING afterwards (Connect
    // and Describe take milliseconds; 5 s leaves room for a busy machine), then CONNECTED not before the delay.
    const delayMs = 5000;
    const slow = await startHarness({ connectingDelayMs: delayMs });
    try {
      const id = await createPublic(slow, fake);
      const started = performance.now();
      assert.deepEqual(Object.keys(await slow.kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }))).filter((k) => k !== '$metadata'), []);
      const d = await slow.kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: id }));
      assert.equal(d.CustomKeyStores?.[0]?.ConnectionState, 'CONNECTING', 'Connect answered before the store was connected');
      const settled = await waitFor(
        () => slow.kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: id })),
        (v) => v.CustomKeyStores?.[0]?.ConnectionState !== 'CONNECTING',
      );
      assert.equal(settled.CustomKeyStores?.[0]?.ConnectionState, 'CONNECTED');
      const ms = performance.now() - started;
      assert.ok(ms >= delayMs * 0.95, `CONNECTED after ${Math.round(ms)} ms: before connectingDelayMs`);
    } finally {
      await slow.close();
      await fake.close();
    }
  });

  it('connect: FAILED store cannot reconnect without Disconnect -> CustomKeyStoreInvalidStateException; after Disconnect it can', async () => {
    fake = await startFakeXksProxy();
    try {
      const id = await createPublic(h, fake);
      fake.mode = { kind: 'status', status: 403, errorName: 'AccessDeniedException' };
      assert.equal((await connectAndSettle(h, id)).ConnectionState, 'FAILED');
      await assert.rejects(h.kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id })), (e: Error) => e.name === 'CustomKeyStoreInvalidStateException');
      await h.kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
      const d = await h.kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: id }));
      assert.equal(d.CustomKeyStores?.[0]?.ConnectionState, 'DISCONNECTED');
      assert.equal(d.CustomKeyStores?.[0]?.ConnectionErrorCode, undefined);
      fake.mode = { kind: 'normal' };
      assert.equal((await connectAndSettle(h, id)).ConnectionState, 'CONNECTED');
      const meta = fake.requests.at(-1)?.body['requestMetadata'] as Record<string, unknown>;
      assert.equal(meta['kmsOperation'], 'ConnectCustomKeyStore');
    } finally {
      await fake.close();
    }
  });
});

describe('ConnectCustomKeyStore: DNS, TLS, VPC endpoint services, internal error', () => {
  let pki: TestPki;
  let trusted: FakeXksProxy;
  let untrusted: FakeXksProxy;
  let h: Harness;
  const svc = (n: string): string => `com.amazonaws.vpce.us-east-1.vpce-svc-${n}`;
  const config = (): Partial<KmsEmulatorConfig> => ({
    extraCaPem: [pki.caCert],
    resolve: new Map([
      ['good.xks.test', { address: '127.0.0.1', port: trusted.port }],
      ['selfsigned.xks.test', { address: '127.0.0.1', port: untrusted.port }],
      ['wronghost.xks.test', { address: '127.0.0.1', port: trusted.port }],
    ]),
    vpcEndpointServices: [
      { serviceName: svc('0good'), privateDnsName: 'good.xks.test' },
      { serviceName: svc('0self'), privateDnsName: 'selfsigned.xks.test' },
      { serviceName: svc('0wrong'), privateDnsName: 'wronghost.xks.test' },
      { serviceName: svc('0nodns'), privateDnsName: 'nodns.xks.test' },
      { serviceName: svc('0gone'), privateDnsName: 'good2.xks.test' },
      { serviceName: svc('0bad'), privateDnsName: 'good3.xks.test' },
    ],
  });
  before(async () => {
    pki = makeTestPki(['good.xks.test', 'selfsigned.xks.test']);
    trusted = await startFakeXksProxy({ tls: { key: pki.serverKey, cert: pki.serverCert } });
    untrusted = await startFakeXksProxy({ tls: { key: pki.untrustedKey, cert: pki.untrustedCert } });
    h = await startHarness(config());
  });
  after(async () => {
    await h.close();
    await trusted.close();
    await untrusted.close();
  });

  async function createVpc(host: string, service: string, harness = h): Promise<string> {
    const out = await harness.kms.send(
      new CreateCustomKeyStoreCommand({
        CustomKeyStoreName: `vpc-${++counter}`,
        CustomKeyStoreType: 'EXTERNAL_KEY_STORE',
        XksProxyConnectivity: 'VPC_ENDPOINT_SERVICE',
        XksProxyUriEndpoint: `https://${host}`,
        XksProxyUriPath: '/kms/xks/v1',
        XksProxyVpcEndpointServiceName: service,
        XksProxyAuthenticationCredential: CRED,
      }),
    );
    return out.CustomKeyStoreId ?? '';
  }

  it('connect: VPC store, trusted test CA -> CONNECTED over TLS', async () => {
    const entry = await connectAndSettle(h, await createVpc('good.xks.test', svc('0good')));
    assert.equal(entry.ConnectionState, 'CONNECTED');
    assert.equal(entry.XksProxyConfiguration?.VpcEndpointServiceName, svc('0good'));
    assert.equal(trusted.requests.at(-1)?.headers.host, 'good.xks.test');
  });

  it('connect: untrusted (self-signed) certificate -> XKS_PROXY_INVALID_TLS_CONFIGURATION', async () => {
    const entry = await connectAndSettle(h, await createVpc('selfsigned.xks.test', svc('0self')));
    assert.equal(entry.ConnectionErrorCode, 'XKS_PROXY_INVALID_TLS_CONFIGURATION');
  });

  it('connect: certificate for another host name -> XKS_PROXY_INVALID_TLS_CONFIGURATION', async () => {
    const entry = await connectAndSettle(h, await createVpc('wronghost.xks.test', svc('0wrong')));
    assert.equal(entry.ConnectionErrorCode, 'XKS_PROXY_INVALID_TLS_CONFIGURATION');
  });

  it('connect: host name does not resolve -> NETWORK_ERRORS', async () => {
    const entry = await connectAndSettle(h, await createVpc('nodns.xks.test', svc('0nodns')));
    assert.equal(entry.ConnectionErrorCode, 'NETWORK_ERRORS');
  });

  it('create: http://127.0.0.1:PORT without --allow-http-loopback -> ValidationException whose message names the flag', async () => {
    const h2 = await startHarness({ ...config(), allowHttpLoopback: false });
    try {
      await assert.rejects(
        h2.kms.send(new CreateCustomKeyStoreCommand({ CustomKeyStoreName: 'x', CustomKeyStoreType: 'EXTERNAL_KEY_STORE', XksProxyConnectivity: 'PUBLIC_ENDPOINT', XksProxyUriEndpoint: 'http://127.0.0.1:7700', XksProxyUriPath: '/kms/xks/v1', XksProxyAuthenticationCredential: CRED })),
        (e: Error) => e.name === 'ValidationException' && /failed to satisfy constraint/.test(e.message) && /--allow-http-loopback/.test(e.message),
      );
      // Not a loopback endpoint: KMS's message alone (the flag would not help).
      await assert.rejects(
        h2.kms.send(new CreateCustomKeyStoreCommand({ CustomKeyStoreName: 'y', CustomKeyStoreType: 'EXTERNAL_KEY_STORE', XksProxyConnectivity: 'PUBLIC_ENDPOINT', XksProxyUriEndpoint: 'http://xks.example.com', XksProxyUriPath: '/kms/xks/v1', XksProxyAuthenticationCredential: CRED })),
        (e: Error) => e.name === 'ValidationException' && !/--allow-http-loopback/.test(e.message),
      );
    } finally {
      await h2.close();
    }
  });

  it('create: PUBLIC store with an untrusted certificate -> XksProxyInvalidConfigurationException', async () => {
    const h2 = await startHarness({ ...config(), allowHttpLoopback: false });
    try {
      await assert.rejects(
        h2.kms.send(new CreateCustomKeyStoreCommand({ CustomKeyStoreName: 'x', CustomKeyStoreType: 'EXTERNAL_KEY_STORE', XksProxyConnectivity: 'PUBLIC_ENDPOINT', XksProxyUriEndpoint: 'https://selfsigned.xks.test', XksProxyUriPath: '/kms/xks/v1', XksProxyAuthenticationCredential: CRED })),
        (e: Error) => e.name === 'XksProxyInvalidConfigurationException',
      );
    } finally {
      await h2.close();
    }
  });

  it('connect: VPC endpoint service deleted / misconfigured after create -> XKS_VPC_ENDPOINT_SERVICE_NOT_FOUND / _INVALID_CONFIGURATION (state survives a restart)', async () => {
    const file = join(testTempDir('kms-state-'), 'kms.sqlite');
    const first = await startHarness({ ...config(), vpcEndpointServices: [{ serviceName: svc('0gone'), privateDnsName: 'good.xks.test' }] }, file);
    let gone: string;
    try {
      gone = await createVpc('good.xks.test', svc('0gone'), first);
    } finally {
      await first.close();
    }
    // Restart with a registry where the service is gone, and one that breaks the B4 requirements.
    const second = await startHarness({ ...config(), vpcEndpointServices: [{ serviceName: svc('0bad'), privateDnsName: 'good3.xks.test', problems: ['acceptance required'] }] }, file);
    try {
      assert.equal((await connectAndSettle(second, gone)).ConnectionErrorCode, 'XKS_VPC_ENDPOINT_SERVICE_NOT_FOUND');
      await second.kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: gone }));
      await assert.rejects(createVpc('good3.xks.test', svc('0bad'), second), (e: Error) => e.name === 'XksProxyVpcEndpointServiceInvalidConfigurationException');
      await assert.rejects(createVpc('good4.xks.test', svc('0none'), second), (e: Error) => e.name === 'XksProxyVpcEndpointServiceNotFoundException');
    } finally {
      await second.close();
    }
    const third = await startHarness({ ...config(), vpcEndpointServices: [{ serviceName: svc('0gone'), privateDnsName: 'good.xks.test', problems: ['NLB in one subnet only'] }] }, file);
    try {
      assert.equal((await connectAndSettle(third, gone)).ConnectionErrorCode, 'XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION');
    } finally {
      await third.close();
    }
  });

  it('connect: injected KMS fault -> INTERNAL_ERROR', async () => {
    const h2 = await startHarness({ ...config(), faultConnectInternalError: true });
    try {
      const id = await createVpc('good.xks.test', svc('0good'), h2);
      assert.equal((await connectAndSettle(h2, id)).ConnectionErrorCode, 'INTERNAL_ERROR');
    } finally {
      await h2.close();
    }
  });
});
