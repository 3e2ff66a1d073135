import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { KeyStoreConfig } from '../proxy/config/load-config.js';
import type { CliContext } from './cli-context.js';
import { configuredKeyDirectories, resolveConfig, selectKeyStore } from './resolve-config.js';
import { writeSecretOutput } from './secret-output.js';

/** spec A18: the proxy configuration file the KMS console accepts. Contains the secret: 0600, never logged. */
export interface KmsConsoleProxyConfig {
  readonly XksProxyUriPath: string;
  readonly XksProxyAuthenticationCredential: { readonly AccessKeyId: string; readonly RawSecretAccessKey: string };
}

export function buildKmsConsoleProxyConfig(store: KeyStoreConfig, accessKeyId?: string): KmsConsoleProxyConfig {
  const credential = accessKeyId === undefined ? store.credentials[0] : store.credentials.find((c) => c.accessKeyId === accessKeyId);
  if (credential === undefined) {
    throw new Error(`key store ${store.name} has no credential ${accessKeyId ?? ''} (have: ${store.credentials.map((c) => c.accessKeyId).join(', ')})`);
  }
  return {
    XksProxyUriPath: store.uriPath,
    XksProxyAuthenticationCredential: { AccessKeyId: credential.accessKeyId, RawSecretAccessKey: credential.secretAccessKey },
  };
}

export function registerConfigExportCommand(config: Command, ctx: CliContext): void {
  config
    .command('export')
    .description('write the proxy configuration file the AWS KMS console accepts (spec A18); it holds the secret, so it is created 0600')
    .option('-c, --config <file>', 'configuration file (JSON); default: $XKS_CONFIG, else the dev default')
    .option('-s, --store <name>', 'key store name (needed when the configuration has several)')
    .option('--credential <accessKeyId>', 'which credential of the key store (default: the first)')
    .option('-o, --out <file>', 'output file (default: xks-proxy-config-<store>.json next to the configuration file; never inside a key directory)')
    .option('--stdout', 'print to standard output instead of a file (the secret then shows on screen)')
    .option('--force', 'overwrite an existing output file')
    .action((options: { config?: string; store?: string; credential?: string; out?: string; stdout?: boolean; force?: boolean }) => {
      const { config: loaded } = resolveConfig(ctx, options.config, 'read');
      const store = selectKeyStore(loaded, options.store);
      const text = `${JSON.stringify(buildKmsConsoleProxyConfig(store, options.credential), null, 2)}\n`;
      if (options.stdout === true) {
        if (options.out !== undefined) throw new Error('give either --out or --stdout, not both');
        ctx.stdout.write(text);
        return;
      }
      // Next to the configuration file by default, never the working directory (a checkout's root is not ignored by git).
      const out = options.out === undefined ? join(dirname(loaded.source), `xks-proxy-config-${store.name}.json`) : resolve(ctx.cwd, options.out);
      const keyDirectories = [...loaded.keyStores.flatMap((s) => (s.keyDirectory === undefined ? [] : [s.keyDirectory])), ...configuredKeyDirectories(ctx, options.config)];
      writeSecretOutput(out, text, { force: options.force === true, keyDirectories });
      ctx.stdout.write(
        `wrote ${out} (mode 600) for key store ${store.name}: XksProxyUriPath ${store.uriPath}, AccessKeyId ${JSON.parse(text).XksProxyAuthenticationCredential.AccessKeyId}\n` +
          'It holds the secret access key: upload it in the KMS console (create or update the external key store), then delete it.\n',
      );
    });
}
