/**
 * Executable docs, the running half: the steps of a page (doc-steps.ts) run in order in a scratch directory.
 *
 * What differs from a reader's terminal, and why (nothing else is changed):
 * - the fixed ports 7700 (proxy), 7701 (its admin listener) and 7800 (emulator) become ports the processes
 *   chose (port 0: tests never take a fixed port); a background command gets `--port 0`-style flags and every
 *   later block has `127.0.0.1:7700` etc. replaced by the addresses printed;
 * - `npx xks` runs this checkout's bin/xks.js (a `npx` on the scratch PATH); `xks status|faults|explain` get
 *   `--url` naming the admin listener that actually runs, unless the page gives one;
 * - the emulator's proxy timeout is 2000 ms, not KMS's 250 ms, so a loaded machine does not time a probe out;
 * - `aws` is the Debian AWS CLI v2 (/usr/bin/aws) with a scratch HOME and AWS_CONFIG_FILE.
 * Background commands run in their own process group: `interrupt` is SIGINT to that group, as Ctrl-C in a
 * terminal sends it to every process of the foreground job.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { missingOutput, parseDocSteps, type DocStep } from './doc-steps.js';

export const DOCS_REPO_ROOT = resolve(import.meta.dirname, '..', '..');
const XKS_BIN = join(DOCS_REPO_ROOT, 'bin', 'xks.js');
const FIXED_PORTS = { proxy: '127.0.0.1:7700', admin: '127.0.0.1:7701', kms: '127.0.0.1:7800' } as const;
export type PortName = keyof typeof FIXED_PORTS;

const NPX_SHIM = `#!/bin/sh
# doc-runner: \`npx xks\` is this checkout's xks; nothing else is fetched.
[ "$1" = xks ] || { echo "doc-runner: only 'npx xks' runs here, not: npx $*" >&2; exit 127; }
shift
case "$1" in
  status|faults|explain)
    case " $* " in *" --url "*) ;; *) [ -n "$XKS_DOC_ADMIN_URL" ] && set -- "$@" --url "$XKS_DOC_ADMIN_URL" ;; esac ;;
esac
exec "$XKS_DOC_NODE" "$XKS_DOC_BIN" "$@"
`;

interface Background {
  readonly command: string;
  readonly name: string;
  /** The addresses this process printed (proxy, admin, kms). */
  readonly ports: Map<PortName, string>;
  child: ChildProcess;
  output: string;
  exitCode: number | null | undefined;
}

/** What a `browser` step may use: the addresses that run, a command in the page's session, a process's output. */
export interface DocSession {
  /** e.g. http://127.0.0.1:41185 for 'kms' (the page's 127.0.0.1:7800). */
  url(name: PortName): string;
  /** Run a script in the page's shell session (its variables and directory); its output. */
  run(script: string): Promise<string>;
  /** What a background command printed so far, by its xks subcommand. */
  output(name: string): string;
}

export interface DocRunOptions {
  /** The page's `<!-- doc-run: browser STEP -->` steps. */
  readonly browser?: (step: string, session: DocSession) => Promise<void>;
  /** Called with the scratch directory before the first step (files the page assumes exist). */
  readonly prepare?: (dir: string) => void;
  /** Hang guard per step, not a timing assertion. */
  readonly stepTimeoutMs?: number;
  /** Extra flags for a background command, by its xks subcommand (e.g. kms: ['--connecting-ms', '200']). */
  readonly extraFlags?: Partial<Record<string, readonly string[]>>;
}

export interface DocRunResult {
  readonly transcript: string;
  /** Exit codes of background commands stopped by an `interrupt` or `stop` action, in order. */
  readonly exits: readonly { readonly name: string; readonly code: number | null }[];
}

class DocFailure extends Error {}

function subcommandOf(command: string): string {
  const m = /^npx xks (\S+)/.exec(command.trim());
  if (m?.[1] === undefined) throw new DocFailure(`a background command must start with \`npx xks\`: ${command}`);
  return m[1];
}

/** Port 0 on a first start; a restart takes the ports of the run it replaces (a store's endpoint names them). */
function portFlags(sub: string, args: readonly string[], previous: ReadonlyMap<PortName, string> | undefined): string[] {
  const port = (name: PortName): string => previous?.get(name)?.split(':').pop() ?? '0';
  if (sub === 'serve') return ['--port', port('proxy'), '--admin-port', port('admin')];
  if (sub !== 'kms') return [];
  const flags = ['--port', port('kms'), '--proxy-timeout-ms', '2000'];
  if (args.includes('--with-proxy')) flags.push('--proxy-port', port('proxy'), '--proxy-admin-port', port('admin'));
  return flags;
}

/** Runs one page; throws with the page's line, the transcript and the background output on the first failure. */
export async function runDocPage(page: string, options: DocRunOptions = {}): Promise<DocRunResult> {
  const file = resolve(DOCS_REPO_ROOT, page);
  const steps = parseDocSteps(readFileSync(file, 'utf8'));
  if (steps.length === 0) throw new Error(`${page} has no \`sh run\` blocks`);
  const dir = mkdtempSync(join(tmpdir(), 'xks-doc-'));
  const bin = join(dir, '.doc-bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'npx'), NPX_SHIM);
  chmodSync(join(bin, 'npx'), 0o755);
  options.prepare?.(dir);
  const env: Record<string, string> = {
    PATH: `${bin}:${dirname(process.execPath)}:/usr/bin:/bin`,
    HOME: dir,
    LANG: 'C.UTF-8',
    AWS_CONFIG_FILE: join(dir, '.aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, '.aws-credentials'),
    AWS_PAGER: '',
    XKS_DOC_NODE: process.execPath,
    XKS_DOC_BIN: XKS_BIN,
  };
  const ports = new Map<PortName, string>();
  const backgrounds: Background[] = [];
  const exits: { name: string; code: number | null }[] = [];
  let transcript = '';
  const shell = spawn('bash', ['--noprofile', '--norc'], { cwd: dir, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  let shellOut = '';
  shell.stdout?.on('data', (d: Buffer) => (shellOut += d.toString()));
  shell.stderr?.on('data', (d: Buffer) => (shellOut += d.toString()));
  shell.stdin?.write(`exec 2>&1; set -o pipefail -E; trap '__rc=$?; [ -n "$__doc_fail" ] || __doc_fail="exit $__rc: $BASH_COMMAND"' ERR\n`);
  const timeout = options.stepTimeoutMs ?? 90_000;

  const withPorts = (text: string): string => {
    let out = text;
    for (const [name, fixed] of Object.entries(FIXED_PORTS) as [PortName, string][]) {
      const actual = ports.get(name);
      if (actual !== undefined) out = out.replaceAll(fixed, actual);
    }
    return out;
  };

  const runScript = (script: string): Promise<{ output: string; failure: string }> =>
    new Promise((resolveRun, reject) => {
      const nonce = randomUUID();
      const start = shellOut.length;
      const marker = new RegExp(`@@${nonce} (.*)\\n`);
      const timer = setTimeout(() => {
        clearInterval(poll);
        reject(new DocFailure(`no end after ${timeout} ms (hang guard); output so far:\n${shellOut.slice(start)}`));
      }, timeout);
      const poll = setInterval(() => {
        const m = marker.exec(shellOut.slice(start));
        if (m === null) return;
        clearTimeout(timer);
        clearInterval(poll);
        resolveRun({ output: shellOut.slice(start, start + m.index), failure: m[1] ?? '' });
      }, 20);
      shell.stdin?.write(`__doc_fail=''\n${script}\nprintf '\\n@@%s %s\\n' ${nonce} "\${__doc_fail:-ok}"\n`);
    });

  const startBackground = async (command: string, previous?: ReadonlyMap<PortName, string>): Promise<Background> => {
    const text = withPorts(command.replace(/\s+#.*$/, '').trim());
    const sub = subcommandOf(text);
    const args = text.split(/\s+/).slice(2);
    const full = [...args, ...portFlags(sub, args, previous), ...(options.extraFlags?.[sub] ?? [])];
    const child = spawn(process.execPath, [XKS_BIN, ...full], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const bg: Background = { command, name: sub, ports: new Map(), child, output: '', exitCode: undefined };
    child.stdout?.on('data', (d: Buffer) => (bg.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (bg.output += d.toString()));
    child.once('exit', (code) => (bg.exitCode = code));
    backgrounds.push(bg);
    const ready = sub === 'kms' ? /kms emulator listening on (http:\/\/\S+)/ : /xks-proxy listening on (http:\/\/\S+)/;
    await new Promise<void>((resolveReady, reject) => {
      const timer = setTimeout(() => reject(new DocFailure(`\`${command}\` did not start within ${timeout} ms:\n${bg.output}`)), timeout);
      const check = (): void => {
        if (!ready.test(bg.output)) return;
        clearTimeout(timer);
        resolveReady();
      };
      child.stderr?.on('data', check);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new DocFailure(`\`${command}\` exited with ${code}:\n${bg.output}`));
      });
    });
    const found: [PortName, RegExp][] = [
      ['proxy', /(?:xks-proxy|^proxy) listening on http:\/\/(\S+)/m],
      ['admin', /admin listener[^\n]*?(?:on|status:) http:\/\/([^\s)]+)/],
      ['kms', /kms emulator listening on http:\/\/(\S+)/],
    ];
    for (const [name, pattern] of found) {
      const m = pattern.exec(bg.output);
      if (m?.[1] === undefined) continue;
      ports.set(name, m[1]);
      bg.ports.set(name, m[1]);
    }
    const admin = ports.get('admin');
    if (admin !== undefined) await runScript(`export XKS_DOC_ADMIN_URL=http://${admin}`);
    return bg;
  };

  const stopBackground = async (bg: Background, signal: NodeJS.Signals): Promise<number | null> => {
    if (bg.exitCode !== undefined) return bg.exitCode;
    const exited = new Promise<number | null>((r) => bg.child.once('exit', (code) => r(code)));
    try {
      process.kill(-(bg.child.pid ?? 0), signal);
    } catch {
      // already gone
    }
    const kill = setTimeout(() => bg.child.kill('SIGKILL'), 15_000);
    const code = await exited;
    clearTimeout(kill);
    return code;
  };

  const find = (step: DocStep & { kind: 'action' }): Background => {
    const bg = [...backgrounds].reverse().find((b) => b.name === step.target);
    if (bg === undefined) throw new DocFailure(`no background \`npx xks ${step.target}\` to ${step.action}`);
    return bg;
  };

  const session: DocSession = {
    url: (name) => {
      const hostPort = ports.get(name);
      if (hostPort === undefined) throw new DocFailure(`nothing printed the ${name} address yet`);
      return `http://${hostPort}`;
    },
    run: async (script) => {
      const { output, failure } = await runScript(withPorts(script));
      if (failure !== 'ok') throw new DocFailure(`${script}: ${failure}\n${output}`);
      return output;
    },
    output: (name) => backgrounds.filter((b) => b.name === name).map((b) => b.output).join('\n'),
  };

  const runStep = async (step: DocStep): Promise<void> => {
    if (step.kind === 'background') {
      const started: Background[] = [];
      for (const c of step.commands) started.push(await startBackground(c));
      transcript += `\n[line ${step.line}] started in the background: ${step.commands.join('; ')}\n`;
      const missing = missingOutput(step.expect.map(withPorts), started.map((b) => b.output).join('\n'));
      if (missing.length > 0) throw new DocFailure(`expected output not printed:\n  ${missing.join('\n  ')}`);
      return;
    }
    if (step.kind === 'action' && step.action === 'browser') {
      if (options.browser === undefined) throw new DocFailure(`the page has a browser step (${step.target}) and its test drives no browser`);
      await options.browser(step.target, session);
      transcript += `\n[line ${step.line}] browser: ${step.target}\n`;
      return;
    }
    if (step.kind === 'action') {
      const bg = find(step);
      if (step.action === 'restart') {
        backgrounds.splice(backgrounds.indexOf(bg), 1);
        await startBackground(bg.command, bg.ports);
      } else {
        exits.push({ name: bg.name, code: await stopBackground(bg, step.action === 'interrupt' ? 'SIGINT' : 'SIGTERM') });
      }
      transcript += `\n[line ${step.line}] ${step.action} ${step.target}\n`;
      return;
    }
    const script = withPorts(step.script);
    const began = Date.now();
    const { output, failure } = await runScript(script);
    transcript += `\n[line ${step.line}, ${Date.now() - began} ms] $ ${script}\n${output}`;
    if (step.exit === 0 && failure !== 'ok') throw new DocFailure(`a command failed (${failure})`);
    if (step.exit !== 0 && !failure.startsWith(`exit ${step.exit}:`)) throw new DocFailure(`expected a command to exit ${step.exit}, got: ${failure}`);
    const missing = missingOutput(step.expect.map(withPorts), output);
    if (missing.length > 0) throw new DocFailure(`expected output not printed:\n  ${missing.join('\n  ')}`);
  };

  try {
    for (const step of steps) {
      try {
        await runStep(step);
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        // The dev default shows its secret once, on the banner: not into a test report.
        const redact = (text: string): string => text.replace(/(secret access key\s+)\S+/g, '$1<redacted>').replace(/("RawSecretAccessKey":")[^"]*/g, '$1<redacted>');
        const logs = redact(backgrounds.map((b) => `--- npx xks ${b.name} (${b.command}):\n${b.output.slice(-4000)}`).join('\n'));
        throw new Error(`${page}:${step.line}: ${why}\n--- transcript:${transcript.slice(-6000)}\n${logs}`);
      }
    }
    return { transcript, exits };
  } finally {
    for (const bg of backgrounds) await stopBackground(bg, 'SIGTERM');
    shell.stdin?.end();
    try {
      process.kill(-(shell.pid ?? 0), 'SIGKILL');
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
