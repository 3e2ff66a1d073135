/**
 * Printed next to every `aws kms ...` command the CLI prints (spec B12): the commands are for AWS CLI v2; AWS CLI v1
 * fetches any parameter value that looks like a URL (here --xks-proxy-uri-endpoint) unless told not to.
 */
export const AWS_CLI_V1_NOTE =
  '(AWS CLI v2. With AWS CLI v1 run `aws configure set cli_follow_urlparam false` once first, or v1 fetches the http(s):// value instead of passing it.)';
