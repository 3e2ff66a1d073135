/**
 * One point of the production checklist (`xks config check --for-kms`): what was found, why it matters to real
 * AWS KMS, and how to fix it. fail = real KMS would refuse it (or the proxy would refuse to start); warn = it
 * works today and hurts later; ok = nothing to do.
 */
export type PointStatus = 'ok' | 'warn' | 'fail';

export interface ReadinessPoint {
  /** Stable id, e.g. `listen.host`, `tls.public-ca`, `keyStores.prod.regions`. */
  readonly id: string;
  readonly status: PointStatus;
  /** What was found, one line. */
  readonly what: string;
  /** Why it matters (the spec clause or the KMS behaviour). */
  readonly why: string;
  /** How to fix it; absent when the status is ok. */
  readonly fix?: string;
}

export const ok = (id: string, what: string, why: string): ReadinessPoint => ({ id, status: 'ok', what, why });
export const warn = (id: string, what: string, why: string, fix: string): ReadinessPoint => ({ id, status: 'warn', what, why, fix });
export const fail = (id: string, what: string, why: string, fix: string): ReadinessPoint => ({ id, status: 'fail', what, why, fix });

/** Where the deploy page explains each fix (docs/deploy-for-kms.md). */
export const DEPLOY_DOC = 'docs/deploy-for-kms.md';
