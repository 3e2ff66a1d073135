/**
 * Docs that cannot rot: every ```json block parses, every relative link and #anchor resolves, and nothing
 * points outside the repository. Runs over every Markdown file a user reads (README, docs/, examples/, keys/).
 */
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { anchorsOf, extractFences, githubSlug, linksOf, listMarkdownFiles, readText, repoRoot } from './markdown.js';

const files = listMarkdownFiles();
const rel = (f: string): string => path.relative(repoRoot, f);

/** The problems of one file's links: a missing file, or an anchor its target page does not have. */
function linkProblems(file: string, text: string): string[] {
  const problems: string[] = [];
  for (const { target, line } of linksOf(text)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
    const [pathPart = '', anchor] = target.split('#', 2);
    if (pathPart === '') {
      if (anchor !== undefined && !anchorsOf(text).has(anchor)) problems.push(`${rel(file)}:${line}: #${anchor}: no heading with that anchor on this page`);
      continue;
    }
    const dest = path.resolve(path.dirname(file), decodeURIComponent(pathPart));
    if (!dest.startsWith(repoRoot + path.sep) && dest !== repoRoot) {
      problems.push(`${rel(file)}:${line}: ${target} leaves the repository`);
      continue;
    }
    if (!existsSync(dest)) {
      problems.push(`${rel(file)}:${line}: ${target}: no such file`);
      continue;
    }
    if (anchor === undefined) continue;
    if (!dest.endsWith('.md') || statSync(dest).isDirectory()) {
      problems.push(`${rel(file)}:${line}: ${target}: anchor into a non-Markdown file`);
      continue;
    }
    if (!anchorsOf(readText(dest)).has(anchor)) problems.push(`${rel(file)}:${line}: ${target}: no heading with anchor #${anchor}`);
  }
  return problems;
}

function jsonProblems(file: string, text: string): string[] {
  const problems: string[] = [];
  for (const fence of extractFences(text)) {
    if (fence.lang !== 'json') continue;
    try {
      JSON.parse(fence.body);
    } catch (e) {
      problems.push(`${rel(file)}:${fence.line}: json block does not parse: ${(e as Error).message}`);
    }
  }
  return problems;
}

describe('docs: the checkers themselves', () => {
  it('slugs: GitHub anchors of headings with code, punctuation and parentheses', () => {
    assert.equal(githubSlug('The KMS side, locally (`xks kms`)'), 'the-kms-side-locally-xks-kms');
    assert.equal(githubSlug('Compatibility mode (`compat.sha256Aad`)'), 'compatibility-mode-compatsha256aad');
    assert.equal(githubSlug('mTLS (A13)'), 'mtls-a13');
    assert.deepEqual([...anchorsOf('# A\n## A\n```\n# not a heading\n```\n<a id="c12"></a>')], ['a', 'a-1', 'c12']);
  });

  it('a json block with a // comment, a missing file and a missing anchor are all reported', () => {
    const page = path.join(repoRoot, 'docs', 'probe.md');
    const text = '# Probe\n\n```json\n{"a": 1} // note\n```\n\n[x](no-such-page.md) [y](#nowhere) [z](#probe) [w](https://example.com)\n';
    assert.equal(jsonProblems(page, text).length, 1);
    const links = linkProblems(page, text);
    assert.equal(links.length, 2, links.join('\n'));
    assert.match(links[0] ?? '', /no-such-page\.md: no such file/);
    assert.match(links[1] ?? '', /#nowhere/);
  });
});

describe('docs: README and docs/', () => {
  it('the docs pages exist and the README links every one of them', () => {
    const readme = readText(path.join(repoRoot, 'README.md'));
    const pages = files.filter((f) => path.dirname(f) === path.join(repoRoot, 'docs'));
    assert.ok(pages.length >= 12, `docs/ has ${pages.length} pages`);
    for (const page of pages) assert.ok(readme.includes(`](docs/${path.basename(page)})`), `README does not link ${rel(page)}`);
  });

  it('every docs page says who it is for and links back to the README', () => {
    for (const page of files.filter((f) => path.dirname(f) === path.join(repoRoot, 'docs'))) {
      const head = readText(page).split('\n').slice(0, 6).join('\n');
      assert.match(head, /\*\*Who this is for:\*\*/, `${rel(page)} does not start with who it is for`);
      assert.match(readText(page), /\]\(\.\.\/README\.md\)/, `${rel(page)} does not link the README`);
    }
  });

  it('README stays short: at most 200 lines', () => {
    const lines = readText(path.join(repoRoot, 'README.md')).split('\n').length;
    assert.ok(lines <= 200, `README.md has ${lines} lines`);
  });

  it('every ```json block parses (no comments in JSON examples)', () => {
    const problems = files.flatMap((f) => jsonProblems(f, readText(f)));
    assert.deepEqual(problems, []);
  });

  it('every relative link and #anchor resolves', () => {
    const problems = files.flatMap((f) => linkProblems(f, readText(f)));
    assert.deepEqual(problems, []);
  });
});
