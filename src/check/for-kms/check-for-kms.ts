/**
 * `xks config check --for-kms`: the production checklist. Reads a validated configuration (and the TLS files it
 * names) and says, point by point, what real AWS KMS would refuse (fail) and what will hurt later (warn).
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import type { ProxyConfig } from '../../proxy/config/load-config.js';
import { keyDirectoryPoints, filePermissionsPoint } from './files-points.js';
import { endpointPoint, faultsPoint, keyStorePoints, limitsPoint, listenPoints, loggingPoint } from './config-points.js';
import type { KmsTrustedRoot } from './kms-trusted-roots.js';
import type { PointStatus, ReadinessPoint } from './readiness-point.js';
import { mtlsPoint, tlsCertificatePoints } from './tls-points.js';

export interface ForKmsOptions {
  /** The XksProxyUriEndpoint KMS will call, e.g. https://xks.example.com. */
  readonly endpoint?: string;
  /** The Region of the external key store in KMS. */
  readonly region?: string;
  readonly now?: Date;
  readonly readFile?: (path: string) => string;
  /** Default: Node's bundle (tls.rootCertificates). */
  readonly publicRoots?: readonly string[];
  /** Default: KMS's list (kms-trusted-roots.ts); tests put their own CA here. */
  readonly kmsRoots?: readonly KmsTrustedRoot[];
}

export interface ForKmsReport {
  readonly source: string;
  /** false when any point fails. */
  readonly passed: boolean;
  readonly counts: Readonly<Record<PointStatus, number>>;
  readonly points: readonly ReadinessPoint[];
}

function endpointHost(endpoint: string | undefined): string | undefined {
  if (endpoint === undefined || !URL.canParse(endpoint)) return undefined;
  return new URL(endpoint).hostname.replace(/^\[|\]$/g, '');
}

export function checkForKms(config: ProxyConfig, options: ForKmsOptions = {}): ForKmsReport {
  const tls = config.listen.tls;
  const host = endpointHost(options.endpoint);
  const regions = options.region !== undefined ? [options.region] : [...new Set(config.keyStores.flatMap((s) => s.regions))];
  const tlsInputs =
    tls === undefined
      ? undefined
      : {
          tls,
          ...(host !== undefined && { host }),
          regions,
          now: options.now ?? new Date(),
          readFile: options.readFile ?? ((p: string) => readFileSync(p, 'utf8')),
          publicRoots: options.publicRoots ?? rootCertificates,
          ...(options.kmsRoots !== undefined && { kmsRoots: options.kmsRoots }),
        };
  const points: ReadinessPoint[] = [
    ...listenPoints(config),
    endpointPoint(options.endpoint),
    ...(tlsInputs === undefined ? [] : [...tlsCertificatePoints(tlsInputs), mtlsPoint(tlsInputs)]),
    ...keyStorePoints(config, options.region),
    ...keyDirectoryPoints(config),
    filePermissionsPoint(config),
    limitsPoint(config),
    loggingPoint(config),
    faultsPoint(config),
  ];
  const counts = { ok: 0, warn: 0, fail: 0 };
  for (const p of points) counts[p.status]++;
  return { source: config.source, passed: counts.fail === 0, counts, points };
}
