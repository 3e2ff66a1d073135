/** GetHealthStatus cases (spec A7, C42-C45, the A10 note on health validation). */
import { parseHealthStatusResponse, type HealthStatusResponse } from '../../xks-client/proxy-outcome.js';
import { expectAnswer, expectError, fail, type CheckCase } from '../check-case.js';
import type { CheckContext } from '../check-context.js';

async function health(ctx: CheckContext, kmsOperation: string): Promise<HealthStatusResponse> {
  const { kmsRequestId } = ctx.metadata(kmsOperation);
  return expectAnswer(await ctx.send('/health', { requestMetadata: { kmsRequestId, kmsOperation } }), parseHealthStatusResponse, 'GetHealthStatus');
}

const summary = (h: HealthStatusResponse): string => h.ekmFleetDetails.map((d) => `${d.id}=${d.healthStatus}`).join(', ');

export const HEALTH_CASES: readonly CheckCase[] = [
  {
    id: 'health.report',
    title: 'GetHealthStatus answers 200 with every field: fleet size > 0, both vendors, 1..10 fleet entries',
    clauses: ['A7', 'C42', 'C43', 'C45'],
    level: 'MUST',
    async run(ctx) {
      const h = await health(ctx, 'KmsHealthCheck');
      return `fleet size ${h.xksProxyFleetSize}, ${h.ekmFleetDetails.length} key manager(s): ${summary(h)}`;
    },
  },
  {
    id: 'health.not-all-unavailable',
    title: 'at least one key manager is not UNAVAILABLE (else KMS fails Create/Connect with XKS_PROXY_NOT_REACHABLE)',
    clauses: ['A7', 'B6'],
    level: 'MUST',
    async run(ctx) {
      const h = await health(ctx, 'ConnectCustomKeyStore');
      if (h.ekmFleetDetails.every((d) => d.healthStatus === 'UNAVAILABLE')) fail(`every key manager reports UNAVAILABLE: ${summary(h)}`);
      return summary(h);
    },
  },
  {
    id: 'health.all-active',
    title: 'every key manager reports ACTIVE (DEGRADED still serves, but says something is wrong)',
    clauses: ['A7'],
    level: 'SHOULD',
    async run(ctx) {
      const h = await health(ctx, 'KmsHealthCheck');
      if (h.ekmFleetDetails.some((d) => d.healthStatus !== 'ACTIVE')) fail(`not every key manager is ACTIVE: ${summary(h)}`);
      return summary(h);
    },
  },
  {
    id: 'health.descriptive-model',
    title: 'xksProxyModel and each fleet model name a product and version',
    clauses: ['A7', 'C44'],
    level: 'SHOULD',
    async run(ctx) {
      const h = await health(ctx, 'KmsHealthCheck');
      const models = [h.xksProxyModel, ...h.ekmFleetDetails.map((d) => d.model)];
      const bare = models.filter((m) => !/\d/.test(m) || m.trim().length < 3);
      if (bare.length > 0) fail(`model without a version: ${bare.map((m) => JSON.stringify(m)).join(', ')}`);
      return h.xksProxyModel;
    },
  },
  {
    id: 'health.unknown-kms-operation',
    title: 'an unknown kmsOperation is accepted',
    clauses: ['A3', 'C12'],
    level: 'MUST',
    async run(ctx) {
      await health(ctx, 'SomeFutureKmsOperation');
      return '200';
    },
  },
  {
    id: 'health.without-request-metadata',
    title: 'GetHealthStatus without requestMetadata, or with {} -> 400 ValidationException',
    clauses: ['A7', 'A10'],
    level: 'MUST',
    async run(ctx) {
      const a = expectError(await ctx.send('/health', {}), ['ValidationException'], 'body {}');
      expectError(await ctx.send('/health', { requestMetadata: {} }), ['ValidationException'], 'body {"requestMetadata":{}}');
      return a;
    },
  },
];
