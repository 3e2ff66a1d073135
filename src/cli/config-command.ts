import type { Command } from 'commander';
import { filePermissionWarnings } from '../proxy/config/file-checks.js';
import { loadKeyDirectory } from '../proxy/keystore/load-key-directory.js';
import type { CliContext } from './cli-context.js';
import { runConfigCheckForKms } from './config-check-for-kms.js';
import { registerConfigExportCommand } from './config-export-command.js';
import { resolveConfig } from './resolve-config.js';

export function registerConfigCommand(program: Command, ctx: CliContext): void {
  const config = program.command('config').description('check configuration; export the KMS console proxy configuration file');
  config
    .command('check')
    .description('validate a configuration file and its key directories; print every problem at once')
    .option('-c, --config <file>', 'configuration file (JSON); default: $XKS_CONFIG')
    .option('--for-kms', 'the production checklist: what real AWS KMS would refuse (fail, exit 1) and what will hurt later (warn)')
    .option('--endpoint <url>', 'with --for-kms: the XksProxyUriEndpoint KMS will call, e.g. https://xks.example.com')
    .option('--region <region>', 'with --for-kms: the Region of the external key store in KMS')
    .option('--format <format>', 'with --for-kms: text or json', 'text')
    .action((options: { config?: string; forKms?: boolean; endpoint?: string; region?: string; format: string }) => {
      const { config: loaded } = resolveConfig(ctx, options.config, 'read');
      if (options.forKms === true) {
        runConfigCheckForKms(ctx, loaded, options);
        return;
      }
      if (options.endpoint !== undefined || options.region !== undefined || options.format !== 'text') {
        throw new Error('--endpoint, --region and --format go with --for-kms');
      }
      const problems: string[] = [];
      for (const w of filePermissionWarnings(loaded)) ctx.stderr.write(`warning: ${w.file}: ${w.message}\n`);
      for (const store of loaded.keyStores) {
        const { store: keys, warnings } = loadKeyDirectory(store.keyDirectory);
        for (const p of keys.problems) problems.push(`key store ${store.name}: ${p.file}: ${p.message}`);
        for (const w of warnings) ctx.stderr.write(`warning: key store ${store.name}: ${w.file}: ${w.message}\n`);
        for (const id of Object.keys(store.keys)) {
          if (keys.getKey(id) === undefined) problems.push(`key store ${store.name}: keys.${id} overrides a key that has no key file`);
        }
        ctx.stdout.write(`key store ${store.name}: ${store.uriPath}, ${store.credentials.length} credential(s), ${keys.listKeys().length} key(s)\n`);
      }
      if (problems.length > 0) {
        ctx.stderr.write(`${problems.map((p) => `problem: ${p}`).join('\n')}\n`);
        process.exitCode = 1;
        return;
      }
      ctx.stdout.write(`ok: ${loaded.source}\n`);
    });
  registerConfigExportCommand(config, ctx);
}
