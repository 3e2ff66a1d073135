/**
 * Real X.509 certificates for TLS tests, made with the openssl binary in a temporary directory: a CA, server
 * certificates (RSA or EC), client certificates (CN + SAN DNS), expired and self-signed ones.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CertFiles {
  readonly cert: string;
  readonly key: string;
}

export interface CertDir {
  readonly dir: string;
  /** Make a CA; `name` is the file stem. */
  ca(name: string, options?: { keyType?: 'rsa' | 'ec' }): CertFiles;
  /** Issue a certificate signed by `ca` (or self-signed when ca is undefined). days < 0 -> already expired. */
  issue(
    name: string,
    options: { ca: CertFiles | undefined; cn: string; dnsNames?: readonly string[]; keyType?: 'rsa' | 'ec'; days?: number; usage: 'server' | 'client' },
  ): CertFiles;
  read(path: string): Buffer;
  cleanup(): void;
}

function openssl(args: readonly string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function newKeyArgs(keyType: 'rsa' | 'ec'): string[] {
  return keyType === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
}

export function createCertDir(): CertDir {
  const dir = mkdtempSync(join(tmpdir(), 'xks-certs-'));
  return {
    dir,
    ca(name, options = {}) {
      const cert = join(dir, `${name}.pem`);
      const key = join(dir, `${name}-key.pem`);
      openssl(
        ['req', '-x509', ...newKeyArgs(options.keyType ?? 'ec'), '-nodes', '-keyout', key, '-out', cert, '-subj', `/CN=${name}`, '-days', '30',
          '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
        dir,
      );
      return { cert, key };
    },
    issue(name, options) {
      const cert = join(dir, `${name}.pem`);
      const key = join(dir, `${name}-key.pem`);
      const csr = join(dir, `${name}.csr`);
      const ext = join(dir, `${name}.ext`);
      const sans = (options.dnsNames ?? [options.cn]).map((n) => `DNS:${n}`).join(',');
      writeFileSync(
        ext,
        [
          'basicConstraints=CA:FALSE',
          `extendedKeyUsage=${options.usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
          ...(sans === '' ? [] : [`subjectAltName=${sans}`]),
        ].join('\n'),
      );
      const keyType = options.keyType ?? 'ec';
      const days = String(options.days ?? 30);
      if (options.ca === undefined) {
        openssl(['req', '-x509', ...newKeyArgs(keyType), '-nodes', '-keyout', key, '-out', cert, '-subj', `/CN=${options.cn}`, '-days', days, '-extensions', 'v3_req',
          '-addext', `subjectAltName=${sans}`], dir);
      } else {
        openssl(['req', '-new', ...newKeyArgs(keyType), '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${options.cn}`], dir);
        openssl(['x509', '-req', '-in', csr, '-CA', options.ca.cert, '-CAkey', options.ca.key, '-CAcreateserial', '-out', cert, '-days', days, '-extfile', ext], dir);
      }
      return { cert, key };
    },
    read: (path) => readFileSync(path),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
