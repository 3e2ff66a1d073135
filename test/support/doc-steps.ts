/**
 * Executable docs, the reading half: the steps of a docs/ page that the reader is told to run, in page order.
 *
 * The markers keep the page ordinary Markdown (GitHub shows the first word of a fence's info string as its
 * language and does not show HTML comments):
 *
 *   ```sh run              a block the reader runs; every command in it must succeed
 *   ```sh run exit=N       a block that shows a refusal on purpose: its first failing command exits N
 *   ```sh run background   one long-running command per line ("terminal 1, leave it running")
 *   ```text output         right after a run block (blank lines between at most): the lines it must print, in
 *                          order, each a whole line of the output; `...` stands for any text. After a
 *                          background block: what its commands print by the time they listen
 *   <!-- doc-run: ACTION TARGET -->  what the reader does by hand, e.g. `interrupt serve` for Ctrl-C in the
 *                          terminal of `npx xks serve`, `restart serve` to start it again, `browser STEP` for
 *                          what the reader does in a browser (the page's test drives chromium through STEP)
 */

export type DocStep =
  | { readonly kind: 'run'; readonly line: number; readonly script: string; readonly exit: number; readonly expect: readonly string[] }
  | { readonly kind: 'background'; readonly line: number; readonly commands: readonly string[]; readonly expect: readonly string[] }
  | { readonly kind: 'action'; readonly line: number; readonly action: string; readonly target: string };

export const DOC_ACTIONS = ['interrupt', 'restart', 'stop', 'browser'] as const;

interface OpenFence {
  readonly info: string;
  readonly line: number;
  readonly indent: string;
  readonly body: string[];
}

type MutableRun = { kind: 'run'; line: number; script: string; exit: number; expect: string[] } | { kind: 'background'; line: number; commands: string[]; expect: string[] };

function runStep(info: string, line: number, body: string): DocStep | undefined {
  const words = info.trim().split(/\s+/);
  if (words[0] !== 'sh' || words[1] !== 'run') return undefined;
  const rest = words.slice(2);
  if (rest[0] === 'background' && rest.length === 1) {
    const commands = body.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
    const background: MutableRun = { kind: 'background', line, commands, expect: [] };
    return background;
  }
  const exit = rest.length === 0 ? 0 : /^exit=(\d{1,3})$/.exec(rest[0] ?? '')?.[1];
  if (exit === undefined || rest.length > 1) throw new Error(`line ${line}: unknown marker \`${info}\` (sh run, sh run exit=N, sh run background)`);
  const run: MutableRun = { kind: 'run', line, script: body, exit: Number(exit), expect: [] };
  return run;
}

/** The steps of a page; a marker it does not know is an error (a typo must not silently skip a step). */
export function parseDocSteps(markdown: string): DocStep[] {
  const steps: DocStep[] = [];
  const lines = markdown.split('\n');
  let open: OpenFence | undefined;
  let lastRun: { step: MutableRun; closedAt: number } | undefined;
  lines.forEach((text, i) => {
    const fence = /^(\s*)```(.*)$/.exec(text);
    if (open === undefined) {
      if (fence) {
        open = { info: (fence[2] ?? '').trim(), line: i + 1, indent: fence[1] ?? '', body: [] };
        return;
      }
      const comment = /^\s*<!--\s*doc-run:\s*(\S+)\s*(.*?)\s*-->/.exec(text);
      if (comment) {
        const action = comment[1] ?? '';
        if (!(DOC_ACTIONS as readonly string[]).includes(action)) throw new Error(`line ${i + 1}: unknown doc-run action ${action} (${DOC_ACTIONS.join(', ')})`);
        steps.push({ kind: 'action', line: i + 1, action, target: comment[2] ?? '' });
      }
      return;
    }
    if (!fence || (fence[2] ?? '').trim() !== '') {
      open.body.push(text.startsWith(open.indent) ? text.slice(open.indent.length) : text);
      return;
    }
    const done = open;
    open = undefined;
    const body = done.body.join('\n');
    if (done.info === 'text output') {
      const between = lines.slice(lastRun?.closedAt ?? 0, done.line - 1);
      if (lastRun === undefined || between.some((l) => l.trim() !== '')) throw new Error(`line ${done.line}: a \`text output\` block must follow a \`sh run\` block`);
      lastRun.step.expect.push(...body.split('\n').map((l) => l.trim()).filter((l) => l !== ''));
      lastRun = undefined;
      return;
    }
    const step = runStep(done.info, done.line, body);
    if (step === undefined) return;
    steps.push(step);
    lastRun = step.kind === 'action' ? undefined : { step: step as MutableRun, closedAt: i + 1 };
  });
  if (open !== undefined) throw new Error(`line ${(open as OpenFence).line}: fence never closed`);
  return steps;
}

/** `...` stands for any text; the rest is literal; the pattern must match a whole (trimmed) line. */
export function expectedLinePattern(expected: string): RegExp {
  const parts = expected.split('...').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`);
}

/** The expected lines not found, in order, among the output's lines (empty when all were found). */
export function missingOutput(expect: readonly string[], output: string): string[] {
  const lines = output.split('\n').map((l) => l.trim());
  let from = 0;
  const missing: string[] = [];
  for (const e of expect) {
    const pattern = expectedLinePattern(e);
    const at = lines.findIndex((l, i) => i >= from && pattern.test(l));
    if (at < 0) missing.push(e);
    else from = at + 1;
  }
  return missing;
}
