/**
 * The points of the production checklist that read the configuration alone: where the proxy listens, the endpoint
 * KMS will call, each key store's Regions, credentials and quota, the global limits, logging and faults.
 */
import { isIP } from 'node:net';
import type { KeyStoreConfig, ProxyConfig } from '../../proxy/config/load-config.js';
import { DEFAULT_REQUESTS_PER_SECOND } from '../../proxy/config/transport-schema.js';
import { DEPLOY_DOC, fail, ok, warn, type ReadinessPoint } from './readiness-point.js';

/** spec A16: KMS waits 250 ms per call; at its default 1800 req/s that is up to 450 calls in flight. */
const KMS_TIMEOUT_MS = 250;
const KMS_IN_FLIGHT = Math.ceil((DEFAULT_REQUESTS_PER_SECOND * KMS_TIMEOUT_MS) / 1000);
const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/i;
/** The Regions of the dev default configuration (src/proxy/config/dev-setup.ts). */
const DEV_REGIONS = ['us-east-1'];

export function listenPoints(config: ProxyConfig): ReadinessPoint[] {
  const { host, port, tls } = config.listen;
  const hostWhy = 'KMS (or the load balancer in front) must reach the proxy over the network; a loopback address is reachable from this machine only';
  const hostFix = `set listen.host to "0.0.0.0" (or "::", or the address the load balancer reaches): ${DEPLOY_DOC}#2-listen-where-kms-can-reach-you`;
  const hostPoint = !LOOPBACK.test(host)
    ? ok('listen.host', `listens on ${host}`, hostWhy)
    : tls !== undefined
      ? fail('listen.host', `listens on ${host} only, with TLS: nothing outside this machine reaches it`, hostWhy, hostFix)
      : warn('listen.host', `listens on ${host} only: only a load balancer on this same machine can reach it`, hostWhy, hostFix);
  const portWhy = 'KMS always calls port 443 (spec A1, A2); a port in the endpoint is refused';
  const portPoint =
    tls === undefined || port === 443
      ? ok('listen.port', tls === undefined ? `${port}, behind the TLS load balancer that listens on 443` : '443', portWhy)
      : warn('listen.port', `${port} with TLS: KMS calls 443, so something must forward 443 to ${port}`, portWhy, `listen on 443 as non-root (CAP_NET_BIND_SERVICE) or forward 443 from a load balancer: ${DEPLOY_DOC}#3-port-443-without-root`);
  const tlsPoint =
    tls !== undefined
      ? ok('tls', 'the proxy terminates TLS (listen.tls)', 'KMS calls only https (spec A1, C1)')
      : warn('tls', 'plain HTTP: TLS must end at a load balancer in front, with a certificate from a CA on KMS\'s list', 'KMS calls only https (spec A1, C1); this file cannot say what the load balancer serves, and mTLS needs listen.tls', `check the load balancer's endpoint with \`xks check --for-kms --endpoint https://<host>\`: ${DEPLOY_DOC}#5-check-the-endpoint-before-kms-uses-it`);
  return [hostPoint, portPoint, tlsPoint];
}

/** The XksProxyUriEndpoint KMS will be given (--endpoint): https, a host name (not an address), no port, no path. */
export function endpointPoint(endpoint: string | undefined): ReadinessPoint {
  const id = 'endpoint';
  const why = 'XksProxyUriEndpoint is https://<host name> with no port and no path (spec A1, A2; the path is XksProxyUriPath)';
  if (endpoint === undefined) return warn(id, 'not given: the host name and certificate name are not checked', why, 'pass --endpoint https://<the host KMS calls>');
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return fail(id, `${endpoint} is not a URL`, why, 'pass --endpoint https://<host>');
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const problems = [
    ...(url.protocol === 'https:' ? [] : [`scheme ${url.protocol.slice(0, -1)} (KMS calls only https)`]),
    ...(isIP(host) === 0 ? [] : [`${host} is an IP address (KMS needs a host name its certificate names)`]),
    ...(url.port === '' ? [] : [`port ${url.port} (KMS calls 443 and refuses a port in the endpoint)`]),
    ...(url.pathname === '/' && url.search === '' ? [] : [`path ${url.pathname}${url.search} (give the path as XksProxyUriPath)`]),
  ];
  if (problems.length > 0) return fail(id, `${endpoint}: ${problems.join('; ')}`, why, 'use https://<host name>, and terminate TLS on 443');
  return ok(id, `https://${host}`, why);
}

function regionsPoint(store: KeyStoreConfig, region: string | undefined): ReadinessPoint {
  const id = `keyStores.${store.name}.regions`;
  const why = 'KMS signs every call with the Region of the key store in the SigV4 scope; another Region is refused as AuthenticationFailedException (the store goes FAILED with XKS_PROXY_INVALID_CREDENTIALS)';
  const fix = `list the Region of the external key store in keyStores[].regions: ${DEPLOY_DOC}#4-the-configuration`;
  const list = store.regions.join(', ');
  if (region !== undefined) {
    return store.regions.includes(region) ? ok(id, store.regions.length === 1 ? `accepts ${region}` : `accepts ${region} (of ${list})`, why) : fail(id, `accepts ${list}, not ${region}`, why, fix);
  }
  if (store.regions.length === DEV_REGIONS.length && store.regions.every((r, i) => r === DEV_REGIONS[i])) {
    return warn(id, `accepts ${list} only, the dev default`, why, `${fix}; pass --region to check it`);
  }
  return ok(id, `accepts ${list} (pass --region to check the Region of your KMS)`, why);
}

function credentialsPoint(store: KeyStoreConfig): ReadinessPoint {
  const id = `keyStores.${store.name}.credentials`;
  const why = 'rotating the credential without downtime needs two live credentials for a while (spec A12); a secret inside the configuration file travels wherever the file does';
  const inline = store.credentials.filter((c) => c.secretFile === undefined).map((c) => c.accessKeyId);
  if (inline.length > 0) {
    return warn(id, `secret of ${inline.join(', ')} written in the configuration file`, why, 'move it to a file of its own (secretFile, mode 0600): `xks credentials new --secret-file F`');
  }
  if (store.credentials.length === 1) {
    return warn(id, `one credential (${store.credentials[0]?.accessKeyId ?? ''}): a rotation must first add a second one`, why, `keep the next credential ready as a second entry, or plan the rotation steps: docs/security.md#credential-rotation-a12`);
  }
  return ok(id, `${store.credentials.length} credentials, secrets in files`, why);
}

function quotaPoint(store: KeyStoreConfig): ReadinessPoint {
  const id = `keyStores.${store.name}.quota`;
  const why = `KMS sends up to ${DEFAULT_REQUESTS_PER_SECOND} requests per second per external key store (its default quota, spec A16)`;
  const rps = store.quota.requestsPerSecond;
  if (rps < DEFAULT_REQUESTS_PER_SECOND) {
    return warn(id, `${rps} req/s: below KMS's ${DEFAULT_REQUESTS_PER_SECOND}, so KMS's callers see throttling KMS itself would allow`, why, `raise keyStores[].quota.requestsPerSecond to ${DEFAULT_REQUESTS_PER_SECOND} (or to the quota AWS raised for you)`);
  }
  return ok(id, `${rps} req/s`, why);
}

export function keyStorePoints(config: ProxyConfig, region: string | undefined): ReadinessPoint[] {
  return config.keyStores.flatMap((s) => [regionsPoint(s, region), credentialsPoint(s), quotaPoint(s)]);
}

export function limitsPoint(config: ProxyConfig): ReadinessPoint {
  const id = 'limits';
  const why = `at ${DEFAULT_REQUESTS_PER_SECOND} req/s with KMS's ${KMS_TIMEOUT_MS} ms timeout up to ${KMS_IN_FLIGHT} calls are in flight (spec A16)`;
  const low = [
    ...(config.throttling.maxConcurrentRequests < KMS_IN_FLIGHT ? [`throttling.maxConcurrentRequests ${config.throttling.maxConcurrentRequests}`] : []),
    ...(config.limits.maxConnections - config.limits.reservedConnections < KMS_IN_FLIGHT ? [`limits.maxConnections ${config.limits.maxConnections}`] : []),
  ];
  if (low.length > 0) return warn(id, `${low.join(', ')}: below the ${KMS_IN_FLIGHT} calls KMS may have in flight`, why, 'raise them, or leave them at their defaults (docs/configuration.md#limits-and-slow-clients)');
  return ok(id, `maxConcurrentRequests ${config.throttling.maxConcurrentRequests}, maxConnections ${config.limits.maxConnections}`, why);
}

export function loggingPoint(config: ProxyConfig): ReadinessPoint {
  const id = 'logging.level';
  const level = config.logging.level;
  const why = 'at info the proxy logs one line per request with the kmsRequestId KMS records in CloudTrail (spec A15)';
  if (level === 'info') return ok(id, 'info', why);
  if (level === 'debug' || level === 'trace') return warn(id, `${level}: more log volume and time per request than production needs`, why, 'set logging.level to "info"');
  return warn(id, `${level}: no line per request, so a KMS request cannot be traced to the proxy`, why, 'set logging.level to "info"');
}

export function faultsPoint(config: ProxyConfig): ReadinessPoint {
  const id = 'faults';
  const why = 'fault rules break answers on purpose (docs/faults.md); `xks serve` refuses them without --allow-faults';
  if (config.faults === undefined || config.faults.length === 0) return ok(id, 'no fault rules', why);
  return fail(id, `${config.faults.length} fault rule(s) in the configuration`, why, 'remove "faults" from the production configuration, and never start it with --allow-faults');
}
