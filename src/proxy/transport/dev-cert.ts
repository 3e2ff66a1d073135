import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';

/**
 * A local development CA and a server certificate for one host name, made by the `openssl` binary (no hand-written
 * X.509). The CA is reused when it already exists, so a client that trusts it keeps trusting re-issued certificates.
 * For development only: production certificates must chain to a CA KMS trusts (spec A12).
 */
export interface DevCertFiles {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly caCreated: boolean;
}

export function createDevCertificates(options: { outDir: string; host: string; keyType: 'ec' | 'rsa'; days: number }): DevCertFiles {
  const { outDir, host } = options;
  mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const caFile = join(outDir, 'ca.pem');
  const caKey = join(outDir, 'ca-key.pem');
  const certFile = join(outDir, 'server.pem');
  const keyFile = join(outDir, 'server-key.pem');
  const csr = join(outDir, 'server.csr');
  const ext = join(outDir, 'server.ext');
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: outDir, stdio: ['ignore', 'ignore', 'pipe'] });
  const newKey = options.keyType === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];

  const caCreated = !existsSync(caFile) || !existsSync(caKey);
  if (caCreated) {
    run(['req', '-x509', ...newKey, '-nodes', '-keyout', caKey, '-out', caFile, '-days', '3650', '-subj', '/CN=xks-proxy development CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  }
  const names = [isIP(host) === 0 ? `DNS:${host}` : `IP:${host}`];
  if (host === 'localhost') names.push('IP:127.0.0.1', 'IP:::1');
  writeFileSync(ext, ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=serverAuth', `subjectAltName=${names.join(',')}`].join('\n'));
  try {
    run(['req', '-new', ...newKey, '-nodes', '-keyout', keyFile, '-out', csr, '-subj', `/CN=${host}`]);
    run(['x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKey, '-CAcreateserial', '-out', certFile, '-days', String(options.days), '-extfile', ext]);
  } finally {
    rmSync(csr, { force: true });
    rmSync(ext, { force: true });
  }
  for (const f of [caKey, keyFile]) chmodSync(f, 0o600);
  return { caFile, certFile, keyFile, caCreated };
}
