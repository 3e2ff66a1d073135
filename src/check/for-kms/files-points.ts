/** The points of the production checklist about files on this machine: each store's keys, and file permissions. */
import { filePermissionWarnings } from '../../proxy/config/file-checks.js';
import type { ProxyConfig } from '../../proxy/config/load-config.js';
import { loadKeyDirectory } from '../../proxy/keystore/load-key-directory.js';
import { fail, ok, warn, type ReadinessPoint } from './readiness-point.js';

export function keyDirectoryPoints(config: ProxyConfig): ReadinessPoint[] {
  return config.keyStores.map((s) => {
    const id = `keyStores.${s.name}.keys`;
    const why = 'each KMS key of the external key store names one external key (XksKeyId); a missing or broken key file fails every call with it';
    const { store } = loadKeyDirectory(s.keyDirectory);
    const problems = [
      ...store.problems.map((p) => `${p.file}: ${p.message}`),
      ...Object.keys(s.keys).filter((k) => store.getKey(k) === undefined).map((k) => `keys.${k} overrides a key that has no key file`),
    ];
    if (problems.length > 0) return fail(id, problems.join('; '), why, 'fix or restore the key files (docs/keys.md); `xks config check` lists every problem');
    const count = store.listKeys().length;
    if (count === 0) return warn(id, `no key in ${s.keyDirectory}`, why, 'create or import the external keys: `xks keys create` (docs/keys.md)');
    return ok(id, `${count} key(s) in ${s.keyDirectory}`, why);
  });
}

export function filePermissionsPoint(config: ProxyConfig): ReadinessPoint {
  const id = 'files';
  const why = 'key directories and secret files readable or writable by group or others let other users of the machine read or replace keys and secrets';
  const warnings = filePermissionWarnings(config);
  if (warnings.length > 0) return warn(id, warnings.map((w) => `${w.file}: ${w.message}`).join('; '), why, 'chmod 700 the key directories and 600 the secret files, owned by the user the proxy runs as');
  return ok(id, 'key directories and secret files are private to their owner', why);
}
