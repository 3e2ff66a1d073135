/**
 * `xks probe`: one verdict for monitoring. A signed GetHealthStatus (spec A7) as KMS sends it, optionally
 * GetKeyMetadata and an Encrypt/Decrypt round trip with a named test key, and the certificate's expiry.
 * Verdicts and exit codes follow the Nagios plugin convention: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
 */
import { randomBytes } from 'node:crypto';
import { createCheckContext, type CheckInputs } from '../check/check-context.js';
import { handshake } from '../check/cases/tls-cases.js';
import { describeFailure, parseHealthStatusResponse, readProxyAnswer, type EkmHealthStatus } from '../xks-client/proxy-outcome.js';

export type ProbeStatus = 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';
export const PROBE_EXIT_CODES: Readonly<Record<ProbeStatus, number>> = Object.freeze({ OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 });

export interface ProbeInputs extends Pick<CheckInputs, 'endpoint' | 'uriPath' | 'credential' | 'region' | 'caPem' | 'clientCert' | 'timeoutMs'> {
  /** A test key: also GetKeyMetadata and an Encrypt/Decrypt round trip. */
  readonly keyId?: string;
  /** A call slower than this is a WARNING (default: KMS's 250 ms budget, spec A16). */
  readonly warnMs: number;
  /** A certificate expiring within this many days is a WARNING. */
  readonly certWarnDays: number;
}

export interface ProbeResult {
  readonly status: ProbeStatus;
  readonly exitCode: number;
  /** Why the status is not OK (empty when OK). */
  readonly reasons: readonly string[];
  readonly endpoint: string;
  readonly checkedAt: string;
  readonly fleet?: readonly { readonly id: string; readonly healthStatus: EkmHealthStatus }[];
  /** Milliseconds per call, by operation. */
  readonly latencyMs: Readonly<Record<string, number>>;
  readonly certificate?: { readonly validTo: string; readonly daysLeft: number };
}

export async function runProbe(inputs: ProbeInputs, now: () => number = Date.now): Promise<ProbeResult> {
  const ctx = createCheckContext({ ...inputs, keyId: inputs.keyId ?? '', latencySamples: 1 });
  const critical: string[] = [];
  const warnings: string[] = [];
  const latencyMs: Record<string, number> = {};
  let fleet: ProbeResult['fleet'];
  let certificate: ProbeResult['certificate'];
  const timed = (operation: string, ms: number): void => {
    latencyMs[operation] = ms;
    if (ms > inputs.warnMs) warnings.push(`${operation} took ${ms} ms (> ${inputs.warnMs} ms)`);
  };

  const { kmsRequestId } = ctx.metadata('KmsHealthCheck');
  const answer = await ctx.send('/health', { requestMetadata: { kmsRequestId, kmsOperation: 'KmsHealthCheck' } });
  const health = readProxyAnswer(answer, parseHealthStatusResponse);
  if (!health.ok) critical.push(`GetHealthStatus: ${describeFailure(health.failure)}`);
  else {
    timed('GetHealthStatus', answer.elapsedMs);
    fleet = health.value.ekmFleetDetails.map(({ id, healthStatus }) => ({ id, healthStatus }));
    const unavailable = fleet.filter((f) => f.healthStatus === 'UNAVAILABLE');
    const degraded = fleet.filter((f) => f.healthStatus === 'DEGRADED');
    // spec A7: all UNAVAILABLE means KMS cannot use the store; some is a fleet still serving, but not healthy.
    if (unavailable.length === fleet.length) critical.push(`every key manager is UNAVAILABLE (${fleet.length})`);
    else if (unavailable.length + degraded.length > 0) warnings.push(`${[...degraded, ...unavailable].map((f) => `${f.id} ${f.healthStatus}`).join(', ')}`);
  }

  if (health.ok && inputs.keyId !== undefined) {
    const keyId = inputs.keyId;
    const { kmsKeyArn: _k, kmsViaService: _v, ...meta } = ctx.metadata('KmsHealthCheck');
    const started = now();
    const m = await ctx.client.getKeyMetadata(ctx.target, keyId, meta);
    if (!m.ok) critical.push(`GetKeyMetadata ${keyId}: ${describeFailure(m.failure)}`);
    else {
      timed('GetKeyMetadata', now() - started);
      const v = m.value;
      if (v.keySpec !== 'AES_256' || v.keyStatus !== 'ENABLED' || !v.keyUsage.includes('ENCRYPT') || !v.keyUsage.includes('DECRYPT')) {
        critical.push(`key ${keyId} is ${v.keySpec} ${v.keyStatus} [${v.keyUsage.join(',')}], not an enabled AES_256 key with ENCRYPT and DECRYPT`);
      } else {
        const plaintext = randomBytes(32);
        const aad = Buffer.from('xks-probe');
        const t0 = now();
        const e = await ctx.client.encrypt(ctx.target, keyId, { requestMetadata: ctx.metadata('Encrypt'), plaintext, additionalAuthenticatedData: aad, requestCdiv: true });
        if (!e.ok) critical.push(`Encrypt ${keyId}: ${describeFailure(e.failure)}`);
        else {
          timed('Encrypt', now() - t0);
          const t1 = now();
          const d = await ctx.client.decrypt(ctx.target, keyId, {
            requestMetadata: ctx.metadata('Decrypt'),
            ciphertext: e.value.ciphertext,
            ciphertextMetadata: e.value.ciphertextMetadata,
            initializationVector: e.value.initializationVector,
            authenticationTag: e.value.authenticationTag,
            additionalAuthenticatedData: aad,
          });
          if (!d.ok) critical.push(`Decrypt ${keyId}: ${describeFailure(d.failure)}`);
          else if (!d.value.equals(plaintext)) critical.push(`Decrypt ${keyId} returned other bytes than were encrypted`);
          else timed('Decrypt', now() - t1);
        }
      }
    }
  }

  if (ctx.https && health.ok) {
    const h = await handshake(ctx, {});
    if (h.ok && h.cert?.valid_to !== undefined) {
      const daysLeft = Math.floor((Date.parse(h.cert.valid_to) - now()) / 86_400_000);
      certificate = { validTo: h.cert.valid_to, daysLeft };
      if (daysLeft < inputs.certWarnDays) warnings.push(`certificate expires in ${daysLeft} days (${h.cert.valid_to})`);
    }
  }

  const status: ProbeStatus = critical.length > 0 ? 'CRITICAL' : warnings.length > 0 ? 'WARNING' : 'OK';
  return {
    status,
    exitCode: PROBE_EXIT_CODES[status],
    reasons: [...critical, ...warnings],
    endpoint: `${inputs.endpoint}${inputs.uriPath}`,
    checkedAt: new Date(now()).toISOString(),
    ...(fleet !== undefined && { fleet }),
    latencyMs,
    ...(certificate !== undefined && { certificate }),
  };
}
