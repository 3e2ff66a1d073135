/**
 * The options `xks check` and `xks probe` share to reach any XKS proxy as KMS would: endpoint, URI path, the key
 * store's credential and the signing Region, plus TLS trust and an mTLS client certificate. The secret is read
 * from a file or an environment variable, never from the command line (argv is visible to every local user).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { ACCESS_KEY_ID_PATTERN, REGION_PATTERN, SECRET_ACCESS_KEY_PATTERN } from '../proxy/config/config-schema.js';
import { XKS_API_BASE } from '../xks/limits.js';
import type { CliContext } from './cli-context.js';
import { parseInteger } from './parse-integer.js';

/** The environment variable read for the secret when neither --secret-file nor --secret-env is given. */
export const DEFAULT_SECRET_ENV = 'XKS_SECRET_ACCESS_KEY';

export interface EndpointOptions {
  endpoint?: string;
  uriPath: string;
  accessKeyId?: string;
  secretFile?: string;
  secretEnv?: string;
  region: string;
  caFile: string[];
  clientCert?: string;
  clientKey?: string;
}

export interface ResolvedEndpoint {
  readonly endpoint: string;
  readonly uriPath: string;
  readonly credential: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly region: string;
  readonly caPem: readonly string[];
  readonly clientCert?: { readonly cert: string; readonly key: string };
}

/** An integer option whose error goes through commander (so the command's exitOverride picks the exit code). */
export function integerArgument(name: string, min: number, max: number): (value: string) => number {
  return (value) => {
    try {
      return parseInteger(name, value, min, max);
    } catch (e) {
      throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
    }
  };
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function addEndpointOptions(command: Command): Command {
  return command
    .option('--endpoint <url>', 'the proxy endpoint, e.g. https://xks.example.com (http:// only for loopback rehearsals)')
    .option('--uri-path <path>', 'XksProxyUriPath, [/<prefix>]/kms/xks/v1', XKS_API_BASE)
    .option('--access-key-id <id>', 'the key store credential\'s access key id')
    .option('--secret-file <file>', 'file holding the secret access key')
    .option('--secret-env <name>', `environment variable holding the secret access key (default ${DEFAULT_SECRET_ENV})`)
    .option('--region <region>', 'the KMS Region that signs (SigV4 scope)', 'us-east-1')
    .option('--ca-file <pem>', 'extra trusted CA certificate(s) for the proxy\'s TLS (repeatable)', collect, [])
    .option('--client-cert <pem>', 'client certificate for an mTLS proxy (spec A13)')
    .option('--client-key <pem>', 'private key of --client-cert');
}

/** Read a secret from a file or the environment; the problem list names what is wrong, never the value. */
export function readSecret(ctx: CliContext, file: string | undefined, envName: string | undefined, what: string, problems: string[]): string | undefined {
  if (file !== undefined && envName !== undefined) {
    problems.push(`give one of --${what}-file or --${what}-env, not both`);
    return undefined;
  }
  let secret: string | undefined;
  if (file !== undefined) {
    try {
      secret = readFileSync(resolve(ctx.cwd, file), 'utf8').trim();
    } catch (e) {
      problems.push(`cannot read --${what}-file ${file}: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  } else {
    const name = envName ?? DEFAULT_SECRET_ENV;
    secret = ctx.env[name]?.trim();
    if (secret === undefined || secret === '') {
      problems.push(`no secret: give --${what}-file FILE or set ${name} (--${what}-env NAME); never on the command line`);
      return undefined;
    }
  }
  if (!SECRET_ACCESS_KEY_PATTERN.test(secret)) problems.push(`the ${what} read is not 43-64 chars of A-Za-z0-9/+= (spec A12)`);
  return secret;
}

/** Validate the shared options; every problem is collected into one error. */
export function resolveEndpointOptions(ctx: CliContext, o: EndpointOptions, problems: string[]): ResolvedEndpoint | undefined {
  if (o.endpoint === undefined) problems.push('--endpoint is required');
  else if (!/^https?:\/\/[^/?#]+$/.test(o.endpoint)) problems.push(`--endpoint must be http(s)://host[:port] without a path, got ${o.endpoint}`);
  if (!/^(\/[A-Za-z0-9_-]+)*\/kms\/xks\/v\d{1,2}$/.test(o.uriPath)) problems.push(`--uri-path must be [/<prefix>]/kms/xks/v1, got ${o.uriPath}`);
  if (o.accessKeyId === undefined) problems.push('--access-key-id is required');
  else if (!ACCESS_KEY_ID_PATTERN.test(o.accessKeyId)) problems.push('--access-key-id must be 20-30 chars of A-Z2-7 (spec A12)');
  if (!REGION_PATTERN.test(o.region)) problems.push(`--region must look like us-east-1, got ${o.region}`);
  const secret = readSecret(ctx, o.secretFile, o.secretEnv, 'secret', problems);
  const read = (file: string, what: string): string | undefined => {
    try {
      return readFileSync(resolve(ctx.cwd, file), 'utf8');
    } catch (e) {
      problems.push(`cannot read ${what} ${file}: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  };
  const caPem = o.caFile.map((f) => read(f, '--ca-file')).filter((p): p is string => p !== undefined);
  let clientCert: ResolvedEndpoint['clientCert'];
  if ((o.clientCert === undefined) !== (o.clientKey === undefined)) problems.push('give --client-cert and --client-key together');
  else if (o.clientCert !== undefined && o.clientKey !== undefined) {
    const cert = read(o.clientCert, '--client-cert');
    const key = read(o.clientKey, '--client-key');
    if (cert !== undefined && key !== undefined) clientCert = { cert, key };
  }
  if (problems.length > 0 || o.endpoint === undefined || o.accessKeyId === undefined || secret === undefined) return undefined;
  return {
    endpoint: o.endpoint,
    uriPath: o.uriPath,
    credential: { accessKeyId: o.accessKeyId, secretAccessKey: secret },
    region: o.region,
    caPem,
    ...(clientCert !== undefined && { clientCert }),
  };
}
