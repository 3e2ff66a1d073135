/**
 * Grants: CreateGrant, ListGrants, ListRetirableGrants, RetireGrant, RevokeGrant. A grant allows its operations to
 * its grantee within its constraints, and may be retired by its retiring principal (resources/key-access.ts). Operations and constraints
 * are checked as KMS checks them for a symmetric encryption key.
 */
import { DRY_RUN_MESSAGE, readCommon } from './crypto-operations.js';
import { kmsError } from '../wire/kms-exceptions.js';
import type { KeyResolver } from './key-resolver.js';
import { pageOutput, paginate, paginateKeyed, type Page } from './pagination.js';
import type { EmptyOutput, KmsServiceDeps, RequestContext } from '../context/service-context.js';
import type { GrantConstraintsRecord, GrantRecord } from '../store/records.js';
import { optionalEncryptionContext, optionalObject, optionalString, optionalStringList, requiredString, type JsonObject } from '../wire/fields.js';
import { KMS_ENUMS } from '../wire/kms-model.js';

/** API model GrantNameType, PrincipalIdType, GrantIdType, GrantTokenType. */
const GRANT_NAME = { min: 1, max: 256, pattern: /^[a-zA-Z0-9:/_-]+$/ } as const;
const PRINCIPAL = { min: 1, max: 256, pattern: /^[\w+=,.@:/-]+$/ } as const;
const GRANT_ID = { min: 1, max: 128 } as const;
const GRANT_TOKEN = { min: 1, max: 8192 } as const;
/** The grant operations of the API model; those a symmetric encryption key allows. */
const ALL_OPERATIONS = KMS_ENUMS['GrantOperation'] ?? [];
const SYMMETRIC_OPERATIONS = new Set(['Decrypt', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'ReEncryptFrom', 'ReEncryptTo', 'CreateGrant', 'RetireGrant', 'DescribeKey', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext']);
/** KMS quota "Grants per KMS key". */
export const MAX_GRANTS_PER_KEY = 50_000;

export type GrantConstraintsInput = { readonly EncryptionContextSubset?: Readonly<Record<string, string>>; readonly EncryptionContextEquals?: Readonly<Record<string, string>> };
export type CreateGrantInput = {
  readonly KeyId: string;
  readonly GranteePrincipal: string;
  readonly RetiringPrincipal?: string;
  readonly Operations: readonly string[];
  readonly Constraints?: GrantConstraintsInput;
  readonly GrantTokens?: readonly string[];
  readonly Name?: string;
  readonly DryRun?: boolean;
};
export type CreateGrantOutput = { readonly GrantToken: string; readonly GrantId: string };
export type GrantListEntry = {
  readonly KeyId: string;
  readonly GrantId: string;
  readonly Name?: string;
  readonly CreationDate: number;
  readonly GranteePrincipal: string;
  readonly RetiringPrincipal?: string;
  readonly IssuingAccount: string;
  readonly Operations: string[];
  readonly Constraints?: GrantConstraintsRecord;
};
export type ListGrantsInput = { readonly KeyId: string; readonly Limit?: number; readonly Marker?: string; readonly GrantId?: string; readonly GranteePrincipal?: string };
export type ListRetirableGrantsInput = { readonly RetiringPrincipal: string; readonly Limit?: number; readonly Marker?: string };
export type ListGrantsOutput = { readonly Grants: GrantListEntry[]; readonly Truncated: boolean; readonly NextMarker?: string };
export type RetireGrantInput = { readonly GrantToken?: string; readonly KeyId?: string; readonly GrantId?: string; readonly DryRun?: boolean };
export type RevokeGrantInput = { readonly KeyId: string; readonly GrantId: string; readonly DryRun?: boolean };

export interface GrantService {
  createGrant(input: CreateGrantInput, ctx: RequestContext): Promise<CreateGrantOutput>;
  listGrants(input: ListGrantsInput): Promise<ListGrantsOutput>;
  listRetirableGrants(input: ListRetirableGrantsInput): Promise<ListGrantsOutput>;
  retireGrant(input: RetireGrantInput, ctx: RequestContext): Promise<EmptyOutput>;
  revokeGrant(input: RevokeGrantInput, ctx: RequestContext): Promise<EmptyOutput>;
}

function parseConstraints(body: JsonObject): GrantConstraintsRecord | undefined {
  const c = optionalObject(body, 'Constraints');
  if (c === undefined) return undefined;
  const subset = c['EncryptionContextSubset'] === undefined ? undefined : { ...optionalEncryptionContext(c, 'EncryptionContextSubset') };
  const equals = c['EncryptionContextEquals'] === undefined ? undefined : { ...optionalEncryptionContext(c, 'EncryptionContextEquals') };
  if (subset !== undefined && equals !== undefined) throw kmsError.ValidationException('Constraints may have EncryptionContextSubset or EncryptionContextEquals, not both.');
  return { ...(subset !== undefined && { EncryptionContextSubset: subset }), ...(equals !== undefined && { EncryptionContextEquals: equals }) };
}

export function createGrantService(deps: KmsServiceDeps, resolver: KeyResolver): GrantService {
  const { config, store, clock, logger } = deps;
  const idOnly = { aliases: false } as const;

  const entry = (g: GrantRecord): GrantListEntry => ({
    KeyId: `${resolver.keyArnPrefix}${g.keyId}`,
    GrantId: g.grantId,
    ...(g.name !== undefined && { Name: g.name }),
    CreationDate: g.creationDate / 1000,
    GranteePrincipal: g.granteePrincipal,
    ...(g.retiringPrincipal !== undefined && { RetiringPrincipal: g.retiringPrincipal }),
    IssuingAccount: `arn:aws:iam::${config.accountId}:root`,
    Operations: [...g.operations],
    ...(g.constraints !== undefined && { Constraints: g.constraints }),
  });

  function findForRetire(body: JsonObject): GrantRecord {
    const token = optionalString(body, 'GrantToken', GRANT_TOKEN);
    const grantId = optionalString(body, 'GrantId', GRANT_ID);
    const keyId = optionalString(body, 'KeyId', { min: 1, max: 2048 });
    if (token !== undefined) {
      const g = store.getGrantByToken(token);
      if (g === undefined) throw kmsError.InvalidGrantTokenException('The grant token is not valid (unknown, or its grant was retired or revoked).');
      return g;
    }
    if (grantId === undefined || keyId === undefined) throw kmsError.ValidationException('RetireGrant needs a GrantToken, or both KeyId and GrantId.');
    const k = resolver.resolve(keyId, { aliases: false, member: 'KeyId' });
    const g = store.getGrant(grantId);
    if (g === undefined || g.keyId !== k.keyId) throw kmsError.InvalidGrantIdException(`Grant ${grantId} does not exist for ${k.arn}.`);
    return g;
  }

  return {
    async createGrant(input, ctx) {
      const body: JsonObject = input;
      const { dryRun } = readCommon(body, 'CreateGrant');
      const k = resolver.keyFrom(body, 'KeyId', idOnly);
      const grantee = requiredString(body, 'GranteePrincipal', PRINCIPAL);
      const retiring = optionalString(body, 'RetiringPrincipal', PRINCIPAL);
      const operations = optionalStringList(body, 'Operations', { oneOf: ALL_OPERATIONS }) ?? [];
      if (operations.length === 0) throw kmsError.ValidationException('Operations must list at least one grant operation.');
      const invalid = operations.filter((o) => !SYMMETRIC_OPERATIONS.has(o));
      if (invalid.length > 0) throw kmsError.ValidationException(`Grant operations ${invalid.join(', ')} are not valid for a symmetric encryption KMS key.`);
      const constraints = parseConstraints(body);
      const name = optionalString(body, 'Name', GRANT_NAME);
      resolver.notPendingDeletion(k, 'CreateGrant');
      if (k.keyState === 'Disabled') throw kmsError.DisabledException(`${k.arn} is disabled.`);
      if (dryRun) throw kmsError.DryRunOperationException(DRY_RUN_MESSAGE);
      // KMS: a CreateGrant repeated with the same name and parameters returns the same grant.
      const same = name === undefined ? undefined : store.grantsNamed(k.keyId, name).find((g) => g.name === name && g.granteePrincipal === grantee && g.retiringPrincipal === retiring && JSON.stringify(g.operations) === JSON.stringify(operations) && JSON.stringify(g.constraints) === JSON.stringify(constraints));
      if (same !== undefined) return { GrantToken: same.grantToken, GrantId: same.grantId };
      if (store.countGrants(k.keyId) >= MAX_GRANTS_PER_KEY) throw kmsError.LimitExceededException(`${k.arn} already has ${MAX_GRANTS_PER_KEY} grants, the quota per KMS key.`);
      const g: GrantRecord = {
        grantId: deps.randomBytes(32).toString('hex'),
        grantToken: deps.randomBytes(96).toString('base64'),
        keyId: k.keyId,
        name,
        granteePrincipal: grantee,
        retiringPrincipal: retiring,
        issuingAccount: config.accountId,
        operations,
        constraints,
        creationDate: clock(),
      };
      store.putGrant(g);
      logger.info({ kmsRequestId: ctx.requestId, keyArn: k.arn, grantId: g.grantId, operations }, 'grant created');
      return { GrantToken: g.grantToken, GrantId: g.grantId };
    },

    async listGrants(input) {
      const body: JsonObject = input;
      const k = resolver.keyFrom(body, 'KeyId', idOnly);
      const grantId = optionalString(body, 'GrantId', GRANT_ID);
      const grantee = optionalString(body, 'GranteePrincipal', PRINCIPAL);
      const limits = { defaultLimit: 50, maxLimit: 100 };
      let page: Page<GrantRecord>;
      if (grantId !== undefined) {
        // One grant at most: listed from a list of zero or one.
        const g = store.getGrant(grantId);
        page = paginate(g !== undefined && g.keyId === k.keyId && (grantee === undefined || g.granteePrincipal === grantee) ? [g] : [], body, (x) => x.grantId, limits);
      } else {
        page = paginateKeyed(body, store.readGrants({ keyId: k.keyId, ...(grantee !== undefined && { granteePrincipal: grantee }) }), (g) => g.grantId, limits);
      }
      return pageOutput('Grants', { ...page, items: page.items.map(entry) });
    },

    async listRetirableGrants(input) {
      const body: JsonObject = input;
      const retiring = requiredString(body, 'RetiringPrincipal', PRINCIPAL);
      const page = paginateKeyed(body, store.readGrants({ retiringPrincipal: retiring }), (g) => g.grantId, { defaultLimit: 50, maxLimit: 100 });
      return pageOutput('Grants', { ...page, items: page.items.map(entry) });
    },

    async retireGrant(input, ctx) {
      const body: JsonObject = input;
      const { dryRun } = readCommon(body, 'RetireGrant');
      const g = findForRetire(body);
      if (dryRun) throw kmsError.DryRunOperationException(DRY_RUN_MESSAGE);
      store.deleteGrant(g.grantId);
      logger.info({ kmsRequestId: ctx.requestId, grantId: g.grantId }, 'grant retired');
      return {};
    },

    async revokeGrant(input, ctx) {
      const body: JsonObject = input;
      const { dryRun } = readCommon(body, 'RevokeGrant');
      const k = resolver.keyFrom(body, 'KeyId', idOnly);
      const grantId = requiredString(body, 'GrantId', GRANT_ID);
      const g = store.getGrant(grantId);
      if (g === undefined || g.keyId !== k.keyId) throw kmsError.InvalidGrantIdException(`Grant ${grantId} does not exist for ${k.arn}.`);
      if (dryRun) throw kmsError.DryRunOperationException(DRY_RUN_MESSAGE);
      store.deleteGrant(g.grantId);
      logger.info({ kmsRequestId: ctx.requestId, keyArn: k.arn, grantId }, 'grant revoked');
      return {};
    },
  };
}
