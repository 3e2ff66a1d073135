/** A throw-away PKI made with the openssl binary: a test CA, a server cert it signs, and a self-signed cert. */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testTempDir } from './temp-dir.js';

export interface TestPki {
  readonly caCert: string;
  /** Signed by the CA, SAN = the given host names. */
  readonly serverKey: string;
  readonly serverCert: string;
  /** Self-signed, same names: trusted by nobody. */
  readonly untrustedKey: string;
  readonly untrustedCert: string;
  readonly dir: string;
}

export function makeTestPki(hosts: readonly string[]): TestPki {
  const dir = testTempDir('xks-pki-');
  const p = (f: string): string => join(dir, f);
  const run = (args: string[]): void => {
    execFileSync('openssl', args, { stdio: 'ignore' });
  };
  const san = `subjectAltName=${hosts.map((h) => `DNS:${h}`).join(',')}`;
  run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', p('ca.key'), '-out', p('ca.crt'), '-days', '2', '-subj', '/CN=xks test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
  run(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', `/CN=${hosts[0] ?? 'localhost'}`]);
  writeFileSync(p('ext.cnf'), `${san}\n`);
  run(['x509', '-req', '-in', p('server.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('server.crt'), '-days', '2', '-extfile', p('ext.cnf')]);
  run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', p('self.key'), '-out', p('self.crt'), '-days', '2', '-subj', `/CN=${hosts[0] ?? 'localhost'}`, '-addext', san]);
  return {
    caCert: readFileSync(p('ca.crt'), 'utf8'),
    serverKey: readFileSync(p('server.key'), 'utf8'),
    serverCert: readFileSync(p('server.crt'), 'utf8'),
    untrustedKey: readFileSync(p('self.key'), 'utf8'),
    untrustedCert: readFileSync(p('self.crt'), 'utf8'),
    dir,
  };
}
