/**
 * Small Markdown readers for the docs checks: fenced blocks, headings as GitHub anchors, relative links.
 * Only what our docs use (ATX headings, inline links, ``` fences); not a general Markdown parser.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');

/** Every Markdown file of the repository a user reads (README, docs/, examples/, keys/, test/vectors/). */
export function listMarkdownFiles(root: string = repoRoot): string[] {
  const out: string[] = [];
  const skip = new Set(['node_modules', '.git', 'dist']);
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (skip.has(entry.name)) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.md')) out.push(full);
    }
  };
  walk(root);
  return out.sort();
}

export interface Fence {
  readonly lang: string;
  readonly body: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
}

export function extractFences(markdown: string): Fence[] {
  const fences: Fence[] = [];
  const lines = markdown.split('\n');
  let open: { lang: string; line: number; indent: string; body: string[] } | undefined;
  lines.forEach((text, i) => {
    const m = /^(\s*)```(\S*)\s*$/.exec(text);
    if (open === undefined) {
      if (m) open = { lang: m[2] ?? '', line: i + 1, indent: m[1] ?? '', body: [] };
      return;
    }
    if (m && (m[2] ?? '') === '') {
      fences.push({ lang: open.lang, body: open.body.join('\n'), line: open.line });
      open = undefined;
      return;
    }
    open.body.push(text.startsWith(open.indent) ? text.slice(open.indent.length) : text);
  });
  return fences;
}

/** Markdown with fenced blocks blanked out (line numbers kept), so headings and links in code are ignored. */
export function withoutFences(markdown: string): string {
  let inFence = false;
  return markdown
    .split('\n')
    .map((line) => {
      if (/^\s*```/.test(line)) {
        inFence = !inFence;
        return '';
      }
      return inFence ? '' : line;
    })
    .join('\n');
}

/** GitHub's heading anchor: lower case, punctuation dropped (not `-` or `_`), spaces to `-`. */
export function githubSlug(heading: string): string {
  return heading
    .replace(/`/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a page offers: its headings (duplicates get -1, -2 as on GitHub) and explicit `<a id>`s. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of withoutFences(markdown).split('\n')) {
    const heading = /^#{1,6} (.+?)\s*#*\s*$/.exec(line);
    if (heading?.[1] !== undefined) {
      const slug = githubSlug(heading[1]);
      const n = seen.get(slug) ?? 0;
      seen.set(slug, n + 1);
      anchors.add(n === 0 ? slug : `${slug}-${n}`);
    }
    for (const id of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) if (id[1] !== undefined) anchors.add(id[1]);
  }
  return anchors;
}

export interface Link {
  readonly target: string;
  readonly line: number;
}

/** Inline links and images `[text](target)` outside code (inline code spans included). */
export function linksOf(markdown: string): Link[] {
  const links: Link[] = [];
  withoutFences(markdown)
    .split('\n')
    .forEach((line, i) => {
      const prose = line.replace(/`[^`]*`/g, '');
      for (const m of prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) if (m[1] !== undefined) links.push({ target: m[1], line: i + 1 });
    });
  return links;
}

export function readText(file: string): string {
  return readFileSync(file, 'utf8');
}
