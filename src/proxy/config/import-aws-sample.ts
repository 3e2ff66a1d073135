import { isAbsolute, resolve } from 'node:path';
import { decodeBase64Strict } from '../../crypto/base64.js';
import { externalKeyIdProblem } from '../keystore/external-key-id.js';
import { XKS_SIGV4_SERVICE as SIGV4_SERVICE } from '../../sigv4/constants.js';
import { awsSampleSettingsSchema, unknownAwsSampleKeys, type AwsSampleSettings } from './aws-sample-settings.js';
import type { IvGeneration } from './pkcs11-schema.js';
import { ACCESS_KEY_ID_PATTERN, MAX_URI_PREFIX_LENGTH, REGION_PATTERN, SECRET_ACCESS_KEY_PATTERN, URI_PREFIX_PATTERN } from './config-schema.js';

/**
 * `xks config import --from-aws-sample`: the sample proxy's settings (aws-samples/aws-kms-xks-proxy) as a configuration
 * of this project. Pure: the caller parses the TOML and writes the files. Secrets never enter the configuration or
 * the report: they come back in `secrets`, for files of mode 0600.
 */

/** The sample's metadata cap (its settings.rs) and spec A5's. */
const MAX_CIPHERTEXT_METADATA_BYTES = 20;

/** The sample's `session_pool_max_size` becomes `pkcs11.sessions`, within that field's bounds. */
const MAX_SESSIONS = 256;

export interface AwsSampleImportOptions {
  /** The sample's working directory: its relative paths (tls/*.pem) are resolved against it. */
  readonly sampleDir: string;
  /** File backend: every store reads its keys from this directory (absolute). Otherwise the PKCS#11 backend. */
  readonly keyDirectory?: string;
  /** PKCS#11 backend: the token's label (the sample used the first slot; this project names the token). */
  readonly tokenLabel?: string;
  /** The sample's environment overrides of its PKCS#11 paths, when the caller passes them. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Directory of the secret files, relative to the configuration file. */
  readonly secretsDir?: string;
  /** Import only the `[[external_key_stores]]` entry with this uri_path_prefix. */
  readonly uriPathPrefix?: string;
}

export interface ImportedSecret {
  /** Path relative to the configuration file's directory. */
  readonly file: string;
  readonly content: string;
  /** What it holds, for the report (never the value). */
  readonly what: string;
}

export interface AwsSampleImport {
  readonly config: Record<string, unknown>;
  readonly secrets: readonly ImportedSecret[];
  /** One line per setting: where it went, or that it has no equivalent and why. */
  readonly report: readonly string[];
}

/** The sample's settings are unusable here: every problem, with the sample's own names. */
export class AwsSampleImportError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`cannot import the sample's settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const LOG_LEVELS: Readonly<Record<string, string>> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/** A key store name from the sample's prefix: '' -> 'default', '/a/b-c' -> 'a-b-c'; unique. */
function storeName(prefix: string, taken: Set<string>): string {
  const base = prefix === '' ? 'default' : prefix.slice(1).replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 60) || 'store';
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
  taken.add(name);
  return name;
}

export function importAwsSampleSettings(doc: Record<string, unknown>, options: AwsSampleImportOptions): AwsSampleImport {
  const parsed = awsSampleSettingsSchema.safeParse(doc);
  if (!parsed.success) {
    throw new AwsSampleImportError(parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`));
  }
  const s = parsed.data;
  const problems: string[] = [];
  const report: string[] = [];
  const secrets: ImportedSecret[] = [];
  const secretsDir = options.secretsDir ?? 'secrets';
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(options.sampleDir, p));

  for (const key of unknownAwsSampleKeys(doc)) report.push(`${key}: no equivalent: the sample does not know this setting either (it ignored it)`);

  // [server]
  report.push(`server.ip, server.port -> listen.host ${s.server.ip}, listen.port ${s.server.port}`);
  if (s.server.port_http_ping !== undefined) report.push('server.port_http_ping: no equivalent: GET /ping is served on listen.port (spec A17), no second listener');
  if (!REGION_PATTERN.test(s.server.region)) problems.push(`server.region: ${JSON.stringify(s.server.region)} is not a region name such as us-east-1`);
  report.push(`server.region -> keyStores[*].regions ["${s.server.region}"]`);
  if (s.server.service !== SIGV4_SERVICE) {
    problems.push(`server.service: ${JSON.stringify(s.server.service)}: KMS signs with the service name ${SIGV4_SERVICE} (spec A12), the only one this proxy accepts`);
  } else report.push(`server.service = "${SIGV4_SERVICE}": built in (spec A12)`);
  let metadata: string | undefined;
  if (s.server.ciphertext_metadata_b64 !== undefined) {
    const md = decodeBase64Strict(s.server.ciphertext_metadata_b64);
    if (md === undefined) problems.push('server.ciphertext_metadata_b64: not canonical standard base64');
    else if (md.length > MAX_CIPHERTEXT_METADATA_BYTES) problems.push(`server.ciphertext_metadata_b64: ${md.length} bytes, at most ${MAX_CIPHERTEXT_METADATA_BYTES}`);
    else metadata = s.server.ciphertext_metadata_b64;
    report.push('server.ciphertext_metadata_b64 -> keyStores[*].compat.ciphertextMetadata (old ciphertexts carry it; new ones carry this project\'s metadata)');
  }
  if (s.server.tcp_keepalive !== undefined) report.push('server.tcp_keepalive: no equivalent: the operating system\'s TCP keepalive applies; idle connections end after limits.keepAliveTimeoutMs');

  // [tracing]
  const level = typeof s.tracing?.['level'] === 'string' ? LOG_LEVELS[s.tracing['level'].toUpperCase()] : undefined;
  if (level !== undefined) report.push(`tracing.level -> logging.level "${level}"`);
  if (s.tracing !== undefined) report.push('tracing.is_stdout_writer_enabled, is_file_writer_enabled, directory, file_prefix, rotation_kind: no equivalent: the log is JSON on standard output; let systemd, Docker or a log shipper store and rotate it');

  // [security], [tls]
  if (s.security.is_sigv4_auth_enabled) report.push('security.is_sigv4_auth_enabled = true: always on here');
  else report.push('security.is_sigv4_auth_enabled = false: no equivalent: this proxy always requires SigV4 (spec A12); KMS always signs');
  if (s.security.secondary_auth !== undefined || s.security.oso !== undefined) {
    report.push('security.secondary_auth, security.oso: no equivalent: Oso policies are not translated; write an authorizationPolicy (docs/security.md, "Secondary authorization")');
  }
  let tls: Record<string, unknown> | undefined;
  if (s.security.is_tls_enabled) {
    if (s.tls === undefined) problems.push('security.is_tls_enabled = true but there is no [tls] table');
    else {
      tls = { certFile: abs(s.tls.tls_cert_pem), keyFile: abs(s.tls.tls_key_pem) };
      report.push('security.is_tls_enabled, tls.tls_cert_pem, tls.tls_key_pem -> listen.tls.certFile, listen.tls.keyFile');
      if (s.security.is_mtls_enabled) {
        const ca = s.tls.mtls_client_ca_pem ?? '';
        const name = s.tls.mtls_client_dns_name ?? '';
        if (ca === '' || name === '') problems.push('security.is_mtls_enabled = true needs tls.mtls_client_ca_pem and tls.mtls_client_dns_name');
        else tls['clientAuth'] = { caFile: abs(ca), allowedSubjects: [name] };
        report.push('security.is_mtls_enabled, tls.mtls_client_ca_pem, tls.mtls_client_dns_name -> listen.tls.clientAuth.caFile, .allowedSubjects');
      } else if (s.tls.mtls_client_ca_pem !== undefined || s.tls.mtls_client_dns_name !== undefined) {
        report.push('tls.mtls_client_ca_pem, tls.mtls_client_dns_name: not used: security.is_mtls_enabled = false');
      }
    }
  } else {
    if (s.security.is_mtls_enabled) problems.push('security.is_mtls_enabled = true needs security.is_tls_enabled = true');
    report.push('security.is_tls_enabled = false -> plain HTTP (put a TLS-terminating load balancer in front, as with the sample)');
    if (s.tls !== undefined) report.push('tls: not used: security.is_tls_enabled = false');
  }

  // [limits]
  if (s.limits !== undefined) report.push('limits.max_plaintext_in_base64, limits.max_aad_in_base64: no equivalent: this proxy accepts 64 KiB of plaintext and of AAD, above the spec minimums (4300 B, 8192 B)');

  // key backend
  const backend = keyBackend(s, options, { report, problems, secrets, secretsDir, abs });

  // [[external_key_stores]]
  const taken = new Set<string>();
  const selected = s.external_key_stores.map((xks, i) => ({ xks, i })).filter(({ xks }) => options.uriPathPrefix === undefined || xks.uri_path_prefix === options.uriPathPrefix);
  if (selected.length === 0) problems.push(`--uri-path-prefix ${JSON.stringify(options.uriPathPrefix)}: no [[external_key_stores]] entry has this uri_path_prefix`);
  if (options.keyDirectory === undefined && selected.length > 1) {
    problems.push(
      `external_key_stores: ${selected.length} stores share the sample's one PKCS#11 token, and this proxy serves one key store per PKCS#11 library ` +
        '(a library is re-initialised after a device error): import one store per proxy process with --uri-path-prefix, or keep the keys in files with --key-directory',
    );
  }
  s.external_key_stores.forEach((xks, i) => {
    if (!selected.some((x) => x.i === i)) report.push(`external_key_stores[${i}] (uri_path_prefix ${JSON.stringify(xks.uri_path_prefix)}): not imported (--uri-path-prefix)`);
  });
  const keyStores = selected.map(({ xks, i }) => {
    const where = `external_key_stores[${i}]`;
    const name = storeName(xks.uri_path_prefix, taken);
    if (!URI_PREFIX_PATTERN.test(xks.uri_path_prefix) || xks.uri_path_prefix.length > MAX_URI_PREFIX_LENGTH) {
      problems.push(`${where}.uri_path_prefix: ${JSON.stringify(xks.uri_path_prefix)} must be empty or /segments of a-zA-Z0-9_- (at most ${MAX_URI_PREFIX_LENGTH} chars, spec A2)`);
    }
    if (!ACCESS_KEY_ID_PATTERN.test(xks.sigv4_access_key_id)) problems.push(`${where}.sigv4_access_key_id: must be 20-30 chars of A-Z and 2-7 (spec A12)`);
    if (!SECRET_ACCESS_KEY_PATTERN.test(xks.sigv4_secret_access_key)) problems.push(`${where}.sigv4_secret_access_key: must be 43-64 chars of A-Za-z0-9/+= (spec A12)`);
    const ids = [...new Set(xks.xks_key_id_set)].sort();
    for (const id of ids) {
      const problem = externalKeyIdProblem(id);
      if (problem !== undefined) problems.push(`${where}.xks_key_id_set: ${JSON.stringify(id)}: ${problem}`);
    }
    const secretFile = `${secretsDir}/${name}.secret`;
    secrets.push({ file: secretFile, content: xks.sigv4_secret_access_key, what: `${where}.sigv4_secret_access_key` });
    report.push(`${where} (uri_path_prefix ${JSON.stringify(xks.uri_path_prefix)}) -> keyStores "${name}": uriPrefix, credentials[0].accessKeyId, compat.sha256Aad = true`);
    report.push(`${where}.sigv4_secret_access_key -> ${secretFile} (mode 0600), credentials[0].secretFile`);
    report.push(`${where}.xks_key_id_set -> keyStores "${name}".allowedKeyIds (${ids.length} key id(s))${ids.length === 0 ? ': every key of this store is refused, as by the sample' : ''}`);
    return {
      name,
      uriPrefix: xks.uri_path_prefix,
      regions: [s.server.region],
      credentials: [{ accessKeyId: xks.sigv4_access_key_id, secretFile }],
      ...backend,
      allowedKeyIds: ids,
      compat: { sha256Aad: true, ...(metadata !== undefined && { ciphertextMetadata: metadata }) },
    };
  });
  if (problems.length > 0) throw new AwsSampleImportError(problems);
  const config = {
    listen: { host: s.server.ip, port: s.server.port, ...(tls !== undefined && { tls }) },
    ...(level !== undefined && { logging: { level } }),
    keyStores,
  };
  return { config, secrets, report };
}

/** The key backend of every imported store: a key directory (--key-directory) or the sample's PKCS#11 token. */
function keyBackend(
  s: AwsSampleSettings,
  options: AwsSampleImportOptions,
  out: { report: string[]; problems: string[]; secrets: ImportedSecret[]; secretsDir: string; abs: (p: string) => string },
): Record<string, unknown> {
  const { report, problems, secrets, secretsDir } = out;
  if (options.keyDirectory !== undefined) {
    report.push(`--key-directory -> keyStores[*].keyDirectory ${options.keyDirectory}: the keys are files (import them with xks keys import)`);
    if (s.pkcs11 !== undefined || s.pkcs11_logger !== undefined || s.hsm_capabilities !== undefined) {
      report.push('pkcs11, pkcs11_logger, hsm_capabilities: not used: the keys are in files (--key-directory)');
    }
    return { keyDirectory: options.keyDirectory };
  }
  const p = s.pkcs11;
  const env = options.env ?? {};
  let module = env['PKCS11_HSM_MODULE'] ?? p?.PKCS11_HSM_MODULE ?? '';
  report.push(`pkcs11.PKCS11_HSM_MODULE${env['PKCS11_HSM_MODULE'] !== undefined ? ' (from the environment, as the sample did)' : ''} -> pkcs11.module`);
  const realModule = env['PKCS11_LOGGER_LIBRARY_PATH'] ?? s.pkcs11_logger?.PKCS11_LOGGER_LIBRARY_PATH ?? '';
  if (s.pkcs11_logger !== undefined) {
    if (/pkcs11-logger/i.test(module) && realModule !== '') {
      module = realModule;
      report.push('pkcs11_logger.PKCS11_LOGGER_LIBRARY_PATH -> pkcs11.module: PKCS11_HSM_MODULE was the pkcs11-logger shim; the real module is used');
    }
    report.push('pkcs11_logger.PKCS11_LOGGER_LOG_FILE_PATH, PKCS11_LOGGER_FLAGS: no equivalent: no logging shim; PKCS#11 errors are in the proxy\'s log');
  }
  if (module === '') problems.push('pkcs11.PKCS11_HSM_MODULE: missing or empty (or give --key-directory to keep the keys in files)');
  if (options.tokenLabel === undefined) problems.push('--token-label: required for the PKCS#11 backend: the sample used the first slot; this proxy names the token by its label');
  if (p?.user_pin === undefined || p.user_pin === '') problems.push('pkcs11.user_pin: missing or empty');
  const pinFile = `${secretsDir}/pkcs11-user-pin`;
  if (p?.user_pin !== undefined) secrets.push({ file: pinFile, content: p.user_pin, what: 'pkcs11.user_pin' });
  report.push(`pkcs11.user_pin -> ${pinFile} (mode 0600), pkcs11.pinFile`);
  let sessions: number | undefined;
  if (p?.session_pool_max_size !== undefined) {
    if (p.session_pool_max_size < 1 || p.session_pool_max_size > MAX_SESSIONS) problems.push(`pkcs11.session_pool_max_size: ${p.session_pool_max_size}, expected 1-${MAX_SESSIONS}`);
    else sessions = p.session_pool_max_size;
    report.push('pkcs11.session_pool_max_size -> pkcs11.sessions (per process; each worker of --workers opens its own)');
  }
  for (const k of ['session_pool_timeout_milli', 'session_eager_close', 'context_read_timeout_milli'] as const) {
    if (p?.[k] !== undefined) report.push(`pkcs11.${k}: no equivalent: every request's HSM work, waiting for a session included, has one deadline (pkcs11.callTimeoutMs, default 200 ms); sessions stay open`);
  }
  const caps = s.hsm_capabilities;
  if (caps === undefined) problems.push('hsm_capabilities: missing (can_generate_iv, is_zero_iv_required decide pkcs11.ivGeneration)');
  const ivGeneration: IvGeneration = caps === undefined || !caps.can_generate_iv ? 'proxy' : caps.is_zero_iv_required ? 'hsm-zero-iv' : 'hsm-iv-after-tag';
  report.push(`hsm_capabilities.can_generate_iv, is_zero_iv_required -> pkcs11.ivGeneration "${ivGeneration}"`);
  return { pkcs11: { module: module === '' ? '' : out.abs(module), tokenLabel: options.tokenLabel ?? '', pinFile, ivGeneration, ...(sessions !== undefined && { sessions }) } };
}
