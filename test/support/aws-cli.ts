/** Runs the AWS CLI v2 (/usr/bin/aws) against an endpoint with a given access key, no config files, JSON output. */
import { join } from 'node:path';
import { runChild, type ChildResult } from './run-child.js';
import { testTempDir } from './temp-dir.js';

export const AWS_CLI = '/usr/bin/aws';

export type AwsCliResult = ChildResult;

export interface AwsCliCaller {
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region?: string;
}

const home = testTempDir('aws-cli-home-');

/** `aws <args> --endpoint-url <endpoint> --output json`; never throws for a non-zero exit (the result says). */
export function runAwsCli(args: readonly string[], caller: AwsCliCaller): Promise<AwsCliResult> {
  return runChild(AWS_CLI, [...args, '--endpoint-url', caller.endpoint, '--output', 'json'], {
    cwd: process.cwd(),
    env: {
      PATH: '/usr/bin:/bin',
      HOME: home,
      AWS_ACCESS_KEY_ID: caller.accessKeyId,
      AWS_SECRET_ACCESS_KEY: caller.secretAccessKey,
      AWS_DEFAULT_REGION: caller.region ?? 'us-east-1',
      AWS_CONFIG_FILE: join(home, 'none'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PAGER: '',
    },
    timeoutMs: 60_000,
  });
}
