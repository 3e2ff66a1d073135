/**
 * spec A1 / C3: TLS 1.2 or 1.3 only, with the cipher suites the spec lists and nothing else. Node takes TLS 1.3
 * suites (TLS_*) and TLS 1.2 suites (OpenSSL names) in the same `ciphers` string.
 */
export const TLS_MIN_VERSION = 'TLSv1.2';
export const TLS_MAX_VERSION = 'TLSv1.3';
/** spec A1: TLS_AES_256_GCM_SHA384 and TLS_CHACHA20_POLY1305_SHA256 (TLS 1.3). */
export const TLS13_SUITES: readonly string[] = Object.freeze(['TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']);
/** spec A1: TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 and TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 (TLS 1.2), OpenSSL names. */
export const TLS12_SUITES: readonly string[] = Object.freeze(['ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-AES256-GCM-SHA384']);
export const TLS_CIPHERS = [...TLS13_SUITES, ...TLS12_SUITES].join(':');
/** spec A1 / C2: HTTP/1.1 (KMS falls back to it; we only speak it). */
export const ALPN_PROTOCOLS: readonly string[] = Object.freeze(['http/1.1']);
