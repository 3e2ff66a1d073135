/** The emulator's logger: injected destination, redaction compiled once. No module-level logger. */
import { pino, type DestinationStream, type Logger } from 'pino';

/** Belt and braces: the emulator never puts these in a log object, but if one slips in it is censored. */
export const KMS_REDACT_PATHS = [
  'rawSecretAccessKey',
  '*.rawSecretAccessKey',
  'RawSecretAccessKey',
  '*.RawSecretAccessKey',
  'secretAccessKey',
  '*.secretAccessKey',
  'keyMaterial',
  '*.keyMaterial',
  'plaintext',
  '*.plaintext',
  'Plaintext',
  '*.Plaintext',
  'authorization',
  '*.authorization',
];

export function createKmsLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, base: { component: 'kms-emulator' }, redact: { paths: KMS_REDACT_PATHS, censor: '[redacted]' } };
  return destination === undefined ? pino(options) : pino(options, destination);
}
