/** Tags on KMS keys: TagResource, UntagResource, ListResourceTags (rules in tag-rules.ts). */
import type { KeyResolver } from './key-resolver.js';
import { pageOutput, paginate } from './pagination.js';
import type { EmptyOutput, KmsServiceDeps, RequestContext } from '../context/service-context.js';
import type { ResourceTag } from '../store/records.js';
import { mergeTags, parseTagKeys, parseTags } from './tag-rules.js';
import { kmsError } from '../wire/kms-exceptions.js';

export type TagResourceInput = { readonly KeyId: string; readonly Tags: readonly ResourceTag[] };
export type UntagResourceInput = { readonly KeyId: string; readonly TagKeys: readonly string[] };
export type ListResourceTagsInput = { readonly KeyId: string; readonly Limit?: number; readonly Marker?: string };
export type ListResourceTagsOutput = { readonly Tags: ResourceTag[]; readonly Truncated: boolean; readonly NextMarker?: string };

export interface TagService {
  tagResource(input: TagResourceInput, ctx: RequestContext): Promise<EmptyOutput>;
  untagResource(input: UntagResourceInput, ctx: RequestContext): Promise<EmptyOutput>;
  listResourceTags(input: ListResourceTagsInput): Promise<ListResourceTagsOutput>;
}

export function createTagService(deps: KmsServiceDeps, resolver: KeyResolver): TagService {
  const { store, logger } = deps;
  const idOnly = { aliases: false } as const;
  return {
    async tagResource(input, ctx) {
      const k = resolver.keyFrom(input, 'KeyId', idOnly);
      const tags = parseTags(input);
      if (tags === undefined) throw kmsError.ValidationException("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null");
      resolver.notPendingDeletion(k, 'TagResource');
      store.putKey({ ...k, tags: mergeTags(k.tags, tags) });
      logger.info({ kmsRequestId: ctx.requestId, keyArn: k.arn, tagKeys: tags.map((t) => t.TagKey) }, 'key tagged');
      return {};
    },

    async untagResource(input, ctx) {
      const k = resolver.keyFrom(input, 'KeyId', idOnly);
      const keys = new Set(parseTagKeys(input));
      resolver.notPendingDeletion(k, 'UntagResource');
      store.putKey({ ...k, tags: k.tags.filter((t) => !keys.has(t.TagKey)) });
      logger.info({ kmsRequestId: ctx.requestId, keyArn: k.arn, tagKeys: [...keys] }, 'key untagged');
      return {};
    },

    async listResourceTags(input) {
      const k = resolver.keyFrom(input, 'KeyId', idOnly);
      const sorted = [...k.tags].sort((a, b) => (a.TagKey < b.TagKey ? -1 : a.TagKey > b.TagKey ? 1 : 0));
      return pageOutput('Tags', paginate(sorted, input, (t) => t.TagKey, { defaultLimit: 50, maxLimit: 50 }));
    },
  };
}
