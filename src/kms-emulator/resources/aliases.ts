/**
 * Aliases: CreateAlias, UpdateAlias, DeleteAlias, ListAliases. An alias names one key; a key may have many
 * (up to the quota); `alias/aws/` names are reserved for AWS managed keys, which the emulator does not have.
 * Alias names and alias ARNs resolve wherever KMS accepts them (key-resolver.ts).
 */
import { kmsError } from '../wire/kms-exceptions.js';
import { KEY_ID, type KeyResolver } from './key-resolver.js';
import { pageOutput, paginateKeyed } from './pagination.js';
import type { EmptyOutput, KmsServiceDeps, RequestContext } from '../context/service-context.js';
import type { AliasRecord } from '../store/records.js';
import { optionalString, requiredString, type JsonObject } from '../wire/fields.js';

/** API model AliasNameType. */
export const ALIAS_NAME = { min: 1, max: 256, pattern: /^[a-zA-Z0-9:/_-]+$/ } as const;
export const ALIAS_PREFIX = 'alias/';
export const RESERVED_ALIAS_PREFIX = 'alias/aws/';
/** KMS quota "Aliases per KMS key". */
export const MAX_ALIASES_PER_KEY = 50;

export type AliasInput = { readonly AliasName: string; readonly TargetKeyId: string };
export type AliasNameInput = { readonly AliasName: string };
export type ListAliasesInput = { readonly KeyId?: string; readonly Limit?: number; readonly Marker?: string };
export type AliasListEntry = { readonly AliasName: string; readonly AliasArn: string; readonly TargetKeyId: string; readonly CreationDate: number; readonly LastUpdatedDate: number };
export type ListAliasesOutput = { readonly Aliases: AliasListEntry[]; readonly Truncated: boolean; readonly NextMarker?: string };

export interface AliasService {
  createAlias(input: AliasInput, ctx: RequestContext): Promise<EmptyOutput>;
  updateAlias(input: AliasInput, ctx: RequestContext): Promise<EmptyOutput>;
  deleteAlias(input: AliasNameInput, ctx: RequestContext): Promise<EmptyOutput>;
  listAliases(input?: ListAliasesInput): Promise<ListAliasesOutput>;
}

/** The alias-name rules of CreateAlias: prefix, pattern, reserved prefix. */
export function checkAliasName(body: JsonObject): string {
  const name = requiredString(body, 'AliasName', ALIAS_NAME);
  if (!name.startsWith(ALIAS_PREFIX) || name.length === ALIAS_PREFIX.length) {
    throw kmsError.InvalidAliasNameException(`Alias must start with the prefix "${ALIAS_PREFIX}" followed by a name: ${name}`);
  }
  if (name.startsWith(RESERVED_ALIAS_PREFIX)) {
    throw kmsError.InvalidAliasNameException(`Alias names that begin with ${RESERVED_ALIAS_PREFIX} are reserved for AWS managed keys: ${name}`);
  }
  return name;
}

export function createAliasService(deps: KmsServiceDeps, resolver: KeyResolver): AliasService {
  const { store, clock, logger } = deps;
  const arnOf = (name: string): string => `${resolver.aliasArnPrefix}${name}`;

  function target(body: JsonObject, aliasName: string) {
    const k = resolver.keyFrom(body, 'TargetKeyId', { aliases: false });
    resolver.notPendingDeletion(k, 'CreateAlias/UpdateAlias');
    const count = store.countAliasesOfKey(k.keyId, aliasName);
    if (count >= MAX_ALIASES_PER_KEY) throw kmsError.LimitExceededException(`${k.arn} already has ${MAX_ALIASES_PER_KEY} aliases, the quota per KMS key.`);
    return k;
  }

  return {
    async createAlias(input, ctx) {
      const name = checkAliasName(input);
      const k = target(input, name);
      if (store.getAlias(name) !== undefined) throw kmsError.AlreadyExistsException(`An alias with the name ${arnOf(name)} already exists`);
      const now = clock();
      store.putAlias({ aliasName: name, targetKeyId: k.keyId, creationDate: now, lastUpdatedDate: now });
      logger.info({ kmsRequestId: ctx.requestId, aliasName: name, keyArn: k.arn }, 'alias created');
      return {};
    },

    async updateAlias(input, ctx) {
      const name = requiredString(input, 'AliasName', ALIAS_NAME);
      const existing = store.getAlias(name);
      if (existing === undefined) throw kmsError.NotFoundException(`Alias ${arnOf(name)} is not found.`);
      const k = target(input, name);
      store.putAlias({ ...existing, targetKeyId: k.keyId, lastUpdatedDate: clock() });
      logger.info({ kmsRequestId: ctx.requestId, aliasName: name, keyArn: k.arn }, 'alias updated');
      return {};
    },

    async deleteAlias(input, ctx) {
      const name = requiredString(input, 'AliasName', ALIAS_NAME);
      if (store.getAlias(name) === undefined) throw kmsError.NotFoundException(`Alias ${arnOf(name)} is not found.`);
      store.deleteAlias(name);
      logger.info({ kmsRequestId: ctx.requestId, aliasName: name }, 'alias deleted');
      return {};
    },

    async listAliases(input = {}) {
      const body: JsonObject = input;
      const keyId = optionalString(body, 'KeyId', KEY_ID);
      const k = keyId === undefined ? undefined : resolver.resolve(keyId, { aliases: false });
      // Aliases of keys whose deletion date passed are gone with them (even before the key is swept on sight).
      const now = clock();
      const live = (id: string): boolean => {
        const t = store.getKeySummary(id);
        return t !== undefined && !(t.keyState === 'PendingDeletion' && (t.deletionDate ?? Infinity) <= now);
      };
      const page = paginateKeyed(body, store.readAliases(k?.keyId), (a: AliasRecord) => a.aliasName, { defaultLimit: 50, maxLimit: 100 }, (a) => k !== undefined || live(a.targetKeyId));
      return pageOutput('Aliases', {
        ...page,
        items: page.items.map((a) => ({ AliasName: a.aliasName, AliasArn: arnOf(a.aliasName), TargetKeyId: a.targetKeyId, CreationDate: a.creationDate / 1000, LastUpdatedDate: a.lastUpdatedDate / 1000 })),
      });
    },
  };
}
