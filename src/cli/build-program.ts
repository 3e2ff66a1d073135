import { Command } from 'commander';
import type { CliContext } from './cli-context.js';
import { registerConfigCommand } from './config-command.js';
import { registerKmsCommand } from './kms-command.js';
import { registerKeysCommand } from './keys-command.js';
import { registerServeCommand } from './serve-command.js';
import { registerStatusCommand } from './status-command.js';
import { registerAuthzCommand } from './authz-command.js';
import { registerCredentialsCommand } from './credentials-command.js';
import { registerDevCertCommand } from './dev-cert-command.js';
import { registerExplainCommand } from './explain-command.js';
import { registerCheckCommand } from './check-command.js';
import { registerProbeCommand } from './probe-command.js';
import { registerFaultsCommand } from './faults-command.js';
import { readPackageVersion } from './package-version.js';
import { registerHealthcheckCommand } from './healthcheck-command.js';

/** The `xks` command. Every subcommand has --help. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('xks')
    .description('AWS KMS External Key Store (XKS) proxy and tools')
    .version(readPackageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) });
  registerServeCommand(program, ctx);
  registerConfigCommand(program, ctx);
  registerStatusCommand(program, ctx);
  registerExplainCommand(program, ctx);
  registerHealthcheckCommand(program, ctx);
  registerCredentialsCommand(program, ctx);
  registerAuthzCommand(program, ctx);
  registerDevCertCommand(program, ctx);
  registerKmsCommand(program, ctx);
  registerKeysCommand(program, ctx);
  registerCheckCommand(program, ctx);
  registerProbeCommand(program, ctx);
  registerFaultsCommand(program, ctx);
  return program;
}
