import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parse as parseToml, TomlError } from 'smol-toml';
import { configSchema } from '../proxy/config/config-schema.js';
import { AwsSampleImportError, importAwsSampleSettings } from '../proxy/config/import-aws-sample.js';
import { writeFileAtomic } from '../proxy/keystore/atomic-write.js';
import type { CliContext } from './cli-context.js';
import { verifyOutsideKeyDirectories, writeSecretOutput } from './secret-output.js';

/** The sample's bootstrap file names its settings file with this key (its settings.rs). */
const BOOTSTRAP_KEY = 'XKS_PROXY_SETTINGS_TOML';

/**
 * Parse a TOML file; a syntax error says file, line and column and the reason, never the line's text (a bad line
 * may hold a secret).
 */
export function readToml(file: string): Record<string, unknown> {
  const text = readFileSync(file, 'utf8');
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    const reason = (error.message.split('\n')[0] ?? '').replace(/^Invalid TOML document: /, '');
    throw new Error(`${file}:${error.line}:${error.column}: invalid TOML (line ${error.line}, column ${error.column}): ${reason}`);
  }
}

/**
 * The sample's working directory: relative paths in its files are relative to it. Its layout keeps the files in
 * `<dir>/configuration/`, so a file there means `<dir>`; otherwise the file's own directory.
 */
function defaultSampleDir(file: string): string {
  const dir = dirname(file);
  return basename(dir) === 'configuration' ? dirname(dir) : dir;
}

interface ImportOptions {
  fromAwsSample: string;
  out: string;
  keyDirectory?: string;
  tokenLabel?: string;
  sampleDir?: string;
  uriPathPrefix?: string;
  force?: boolean;
}

export function registerConfigImportCommand(config: Command, ctx: CliContext): void {
  config
    .command('import')
    .description("write a configuration of this proxy from another proxy's configuration; secrets go to files of mode 0600")
    .requiredOption('--from-aws-sample <file>', "the aws-samples proxy's bootstrap.toml (or the settings TOML it names)")
    .option('-o, --out <file>', 'configuration file to write; secrets go to a secrets/ directory beside it', 'config.json')
    .option('--key-directory <dir>', 'keep the keys in files in this directory (file backend) instead of the PKCS#11 token')
    .option('--token-label <label>', "the PKCS#11 token's label (the sample used the first slot)")
    .option('--uri-path-prefix <prefix>', 'import only the [[external_key_stores]] entry with this uri_path_prefix (one PKCS#11 store per proxy process)')
    .option('--sample-dir <dir>', "the sample's working directory, for its relative paths (default: the parent of configuration/)")
    .option('--force', 'overwrite existing output files')
    .action((options: ImportOptions) => {
      const input = resolve(ctx.cwd, options.fromAwsSample);
      const sampleDir = options.sampleDir === undefined ? defaultSampleDir(input) : resolve(ctx.cwd, options.sampleDir);
      let settingsFile = input;
      let doc = readToml(input);
      const named = doc[BOOTSTRAP_KEY];
      if (typeof named === 'string' && doc['server'] === undefined) {
        settingsFile = isAbsolute(named) ? named : resolve(sampleDir, named);
        doc = readToml(settingsFile);
      }
      const out = resolve(ctx.cwd, options.out);
      const env = { PKCS11_HSM_MODULE: ctx.env['PKCS11_HSM_MODULE'], PKCS11_LOGGER_LIBRARY_PATH: ctx.env['PKCS11_LOGGER_LIBRARY_PATH'] };
      const imported = importAwsSampleSettings(doc, {
        sampleDir,
        ...(options.keyDirectory !== undefined && { keyDirectory: resolve(ctx.cwd, options.keyDirectory) }),
        ...(options.tokenLabel !== undefined && { tokenLabel: options.tokenLabel }),
        ...(options.uriPathPrefix !== undefined && { uriPathPrefix: options.uriPathPrefix }),
        env: Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)),
      });
      const checked = configSchema.safeParse(imported.config);
      if (!checked.success) {
        throw new AwsSampleImportError(checked.error.issues.map((i) => `the imported configuration, ${i.path.join('.')}: ${i.message}`));
      }
      const force = options.force === true;
      const secretFiles = imported.secrets.map((secret) => ({ ...secret, path: join(dirname(out), secret.file) }));
      const existing = [out, ...secretFiles.map((f) => f.path)].filter((file) => existsSync(file));
      if (!force && existing.length > 0) throw new Error(`refusing to overwrite ${existing.join(', ')} (give --force)`);
      // Neither the configuration nor a secret inside the key directory (a *.json there would be loaded as a key file).
      const keyDirectories = options.keyDirectory === undefined ? [] : [resolve(ctx.cwd, options.keyDirectory)];
      verifyOutsideKeyDirectories(out, keyDirectories);
      for (const dir of keyDirectories) mkdirSync(dir, { recursive: true, mode: 0o700 });
      for (const secret of secretFiles) {
        mkdirSync(dirname(secret.path), { recursive: true, mode: 0o700 });
        writeSecretOutput(secret.path, secret.content, { force, keyDirectories });
      }
      mkdirSync(dirname(out), { recursive: true });
      writeFileAtomic(out, `${JSON.stringify(imported.config, null, 2)}\n`, 0o600, { overwrite: force });
      ctx.stdout.write(`read ${settingsFile}\n${imported.report.map((line) => `  ${line}\n`).join('')}wrote ${out} and ${imported.secrets.length} secret file(s) (mode 0600)\n`);
      ctx.stdout.write(`next: xks config check --config ${out}\n`);
    });
}
