import { resolve } from 'node:path';
import type { Command } from 'commander';
import { generateAccessKeyId, generateSecretAccessKey } from '../proxy/config/credentials.js';
import { secureRandomBytes } from '../crypto/random.js';
import { integerOption } from './parse-integer.js';
import type { CliContext } from './cli-context.js';
import { configuredKeyDirectories } from './resolve-config.js';
import { writeSecretOutput } from './secret-output.js';

/** `xks credentials new`: a fresh spec-valid credential (A12 / C66-C68) for rotation, printed once. */
export function registerCredentialsCommand(program: Command, ctx: CliContext): void {
  const credentials = program.command('credentials').description('manage key store credentials (spec A12)');
  credentials
    .command('new')
    .description('print a fresh access key id (20-30 chars of A-Z2-7) and a 256-bit secret, with the config entry to add')
    .option('--id-length <n>', 'access key id length, 20-30', integerOption('--id-length', 20, 30, ' (spec A12)'), 20)
    .option('--secret-file <file>', 'write the secret to this new file (mode 0600, atomically; never inside a key directory) instead of printing it in the config entry')
    .option('--force', 'with --secret-file: replace an existing file (e.g. the live secret file: the next reload then uses the new secret)')
    .option('-c, --config <file>', 'configuration whose key directories --secret-file must stay out of; default: $XKS_CONFIG, else the dev default')
    .option('--json', 'print {accessKeyId, secretAccessKey} as JSON')
    .action((options: { idLength: number; secretFile?: string; force?: boolean; config?: string; json?: boolean }) => {
      const accessKeyId = generateAccessKeyId(secureRandomBytes, options.idLength);
      const secretAccessKey = generateSecretAccessKey(secureRandomBytes);
      if (options.json === true) {
        ctx.stdout.write(`${JSON.stringify({ accessKeyId, secretAccessKey })}\n`);
        return;
      }
      let entry: Record<string, string> = { accessKeyId, secretAccessKey };
      if (options.secretFile !== undefined) {
        writeSecretOutput(resolve(ctx.cwd, options.secretFile), `${secretAccessKey}\n`, {
          force: options.force === true,
          keyDirectories: configuredKeyDirectories(ctx, options.config),
        });
        entry = { accessKeyId, secretFile: options.secretFile };
      }
      ctx.stdout.write(
        [
          `access key id       ${accessKeyId}`,
          `secret access key   ${secretAccessKey}`,
          '',
          'Rotation (spec A12): 1. add this entry to keyStores[].credentials (the proxy reloads on file change or SIGHUP):',
          `  ${JSON.stringify(entry)}`,
          '2. aws kms update-custom-key-store --custom-key-store-id <cks-...> \\',
          `     --xks-proxy-authentication-credential AccessKeyId=${accessKeyId},RawSecretAccessKey=<the secret above>`,
          '3. wait until `xks status` shows the new id in use and the old one idle (KMS needs up to ~5 minutes)',
          '4. remove the old entry from the configuration',
          '',
        ].join('\n'),
      );
    });
}
