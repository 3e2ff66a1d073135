import { z } from 'zod';

/**
 * The configuration file of AWS's sample proxy (aws-samples/aws-kms-xks-proxy, `xks-axum/src/settings.rs`), as far
 * as `xks config import --from-aws-sample` reads it. Field names are the sample's, verbatim. Fields the import does
 * not need are optional here even where the sample requires them; their values are only reported.
 */
const bool = z.boolean();
const str = z.string();
const uint = z.number().int().min(0);

const serverSchema = z.object({
  ip: str,
  port: uint.max(65_535),
  port_http_ping: uint.max(65_535).optional(),
  region: str,
  service: str,
  ciphertext_metadata_b64: str.optional(),
  tcp_keepalive: z.record(z.string(), z.unknown()).optional(),
});

const securitySchema = z.object({
  is_sigv4_auth_enabled: bool,
  is_tls_enabled: bool,
  is_mtls_enabled: bool,
  secondary_auth: str.optional(),
  oso: z.record(z.string(), z.unknown()).optional(),
});

const tlsSchema = z.object({
  tls_cert_pem: str,
  tls_key_pem: str,
  mtls_client_ca_pem: str.optional(),
  mtls_client_dns_name: str.optional(),
});

const externalKeyStoreSchema = z.object({
  uri_path_prefix: str,
  sigv4_access_key_id: str,
  sigv4_secret_access_key: str,
  xks_key_id_set: z.array(str),
});

const pkcs11Schema = z.object({
  session_pool_max_size: uint.optional(),
  session_pool_timeout_milli: uint.optional(),
  session_eager_close: bool.optional(),
  user_pin: str.optional(),
  PKCS11_HSM_MODULE: str.optional(),
  context_read_timeout_milli: uint.optional(),
});

const pkcs11LoggerSchema = z.object({
  PKCS11_LOGGER_LIBRARY_PATH: str.optional(),
  PKCS11_LOGGER_LOG_FILE_PATH: str.optional(),
  PKCS11_LOGGER_FLAGS: str.optional(),
});

export const awsSampleSettingsSchema = z.object({
  server: serverSchema,
  security: securitySchema,
  tls: tlsSchema.optional(),
  tracing: z.record(z.string(), z.unknown()).optional(),
  pkcs11: pkcs11Schema.optional(),
  pkcs11_logger: pkcs11LoggerSchema.optional(),
  limits: z.record(z.string(), z.unknown()).optional(),
  hsm_capabilities: z.object({ can_generate_iv: bool, is_zero_iv_required: bool }).optional(),
  external_key_stores: z.array(externalKeyStoreSchema).min(1, 'the sample needs at least one [[external_key_stores]]'),
});

export type AwsSampleSettings = z.infer<typeof awsSampleSettingsSchema>;

/** Every key the sample's settings.rs knows, per table (for the report of keys it would have ignored). */
export const AWS_SAMPLE_KNOWN_KEYS: Readonly<Record<string, readonly string[]>> = {
  '': ['server', 'security', 'tls', 'tracing', 'pkcs11', 'pkcs11_logger', 'limits', 'hsm_capabilities', 'external_key_stores'],
  server: ['ip', 'port', 'port_http_ping', 'region', 'service', 'ciphertext_metadata_b64', 'tcp_keepalive'],
  'server.tcp_keepalive': ['tcp_keepalive_secs', 'tcp_keepalive_interval_secs', 'tcp_keepalive_retries'],
  security: ['is_sigv4_auth_enabled', 'is_tls_enabled', 'is_mtls_enabled', 'secondary_auth', 'oso'],
  'security.oso': ['polar_file_path'],
  tls: ['tls_cert_pem', 'tls_key_pem', 'mtls_client_ca_pem', 'mtls_client_dns_name'],
  tracing: ['is_stdout_writer_enabled', 'is_file_writer_enabled', 'level', 'directory', 'file_prefix', 'rotation_kind'],
  external_key_stores: ['uri_path_prefix', 'sigv4_access_key_id', 'sigv4_secret_access_key', 'xks_key_id_set'],
  pkcs11: ['session_pool_max_size', 'session_pool_timeout_milli', 'session_eager_close', 'user_pin', 'PKCS11_HSM_MODULE', 'context_read_timeout_milli'],
  pkcs11_logger: ['PKCS11_LOGGER_LIBRARY_PATH', 'PKCS11_LOGGER_LOG_FILE_PATH', 'PKCS11_LOGGER_FLAGS'],
  limits: ['max_plaintext_in_base64', 'max_aad_in_base64'],
  hsm_capabilities: ['can_generate_iv', 'is_zero_iv_required'],
};

const isTable = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Keys of the document the sample does not know (it ignores them; the import reports them). */
export function unknownAwsSampleKeys(doc: Record<string, unknown>): string[] {
  const out: string[] = [];
  const walk = (table: Record<string, unknown>, path: string) => {
    const known = AWS_SAMPLE_KNOWN_KEYS[path.replace(/\[\d+\]/g, '')];
    if (known === undefined) return;
    for (const [k, v] of Object.entries(table)) {
      const child = path === '' ? k : `${path}.${k}`;
      if (!known.includes(k)) out.push(child);
      else if (isTable(v)) walk(v, child);
      else if (Array.isArray(v) && v.every(isTable)) v.forEach((t, i) => walk(t, `${child}[${i}]`));
    }
  };
  walk(doc, '');
  return out;
}
