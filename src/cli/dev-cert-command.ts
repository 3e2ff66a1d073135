import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { writeFileAtomic } from '../proxy/keystore/atomic-write.js';
import { createDevCertificates } from '../proxy/transport/dev-cert.js';
import { integerOption } from './parse-integer.js';
import type { CliContext } from './cli-context.js';

/** `xks dev-cert`: HTTPS for development in one step (a local CA + a server certificate, optionally wired into a config). */
export function registerDevCertCommand(program: Command, ctx: CliContext): void {
  program
    .command('dev-cert')
    .description('create a local development CA and a server certificate for a host name (uses the openssl binary)')
    .option('--host <name>', 'host name the certificate is for', 'localhost')
    .option('--out <dir>', 'output directory', 'keys/dev/tls')
    .option('--key-type <type>', 'ec (P-256) or rsa (2048)', 'ec')
    .option('--days <n>', 'server certificate validity in days', integerOption('--days', 1, 3650), 90)
    .option('-c, --config <file>', 'also set listen.tls in this JSON configuration file (restart xks serve to switch to HTTPS)')
    .action((options: { host: string; out: string; keyType: string; days: number; config?: string }) => {
      if (options.keyType !== 'ec' && options.keyType !== 'rsa') throw new Error(`--key-type must be ec or rsa, got ${options.keyType}`);
      if (!/^[A-Za-z0-9.:-]{1,253}$/.test(options.host)) throw new Error(`--host must be a host name or IP address, got ${options.host}`);
      const files = createDevCertificates({ outDir: resolve(ctx.cwd, options.out), host: options.host, keyType: options.keyType, days: options.days });
      const rel = (p: string) => relative(ctx.cwd, p) || p;
      const lines = [
        `${files.caCreated ? 'created' : 'reused'} CA      ${rel(files.caFile)}  (trust it in your client; development only)`,
        `server certificate  ${rel(files.certFile)}  for ${options.host}, ${options.days} days`,
        `server key          ${rel(files.keyFile)}  (mode 0600)`,
      ];
      if (options.config !== undefined) {
        const configPath = resolve(ctx.cwd, options.config);
        const raw = JSON.parse(readFileSync(configPath, 'utf8')) as { listen?: Record<string, unknown> };
        const base = dirname(configPath);
        raw.listen = { ...raw.listen, tls: { certFile: relative(base, files.certFile), keyFile: relative(base, files.keyFile) } };
        writeFileAtomic(configPath, `${JSON.stringify(raw, null, 2)}\n`);
        lines.push(`listen.tls set in   ${rel(configPath)}`);
      } else {
        lines.push('', 'Add to the configuration:', `  "listen": { ..., "tls": { "certFile": "${files.certFile}", "keyFile": "${files.keyFile}" } }`);
      }
      lines.push('', 'Then, with xks serve running:', `  curl --cacert ${rel(files.caFile)} https://${options.host}:<port>/ping`, '');
      ctx.stdout.write(lines.join('\n'));
    });
}
