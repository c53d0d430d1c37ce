/**
 * The documentation stays inside the repository and true to itself: every relative link of the
 * README and the docs resolves to a file that exists and, with an #anchor, to one of its headings
 * (GitHub's slugs); and nothing in the repository points outside it, to notes that are not part of
 * the project.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

const PAGES = [
  'README.md',
  'CHANGELOG.md',
  'bench/README.md',
  'tests/chaos/README.md',
  ...readdirSync('docs')
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** the text outside fenced code blocks and inline code, where a link is a link */
function prose(md: string): string {
  return md.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens, repeats numbered */
function headingAnchors(md: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  const text = md.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const m of text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const plain = m[1].replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/`/g, '');
    const base = plain
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

function links(page: string): Array<{ target: string; line: string }> {
  const out: Array<{ target: string; line: string }> = [];
  for (const line of prose(readFileSync(page, 'utf8')).split('\n')) {
    for (const m of line.matchAll(/\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ target: m[1], line: line.trim() });
  }
  return out;
}

describe('the documentation', () => {
  it.each(PAGES)('%s: every relative link resolves, anchors included', (page) => {
    const broken: string[] = [];
    for (const { target } of links(page)) {
      if (/^(https?:|mailto:)/.test(target)) continue;
      const [path, anchor] = target.split('#', 2);
      const file = path === '' ? page : normalize(join(dirname(page), decodeURI(path)));
      if (!existsSync(file)) {
        broken.push(`${target}: no such file ${file}`);
        continue;
      }
      if (anchor === undefined || anchor === '') continue;
      if (statSync(file).isDirectory() || !file.endsWith('.md')) {
        broken.push(`${target}: an anchor into ${file}, which is not a page`);
        continue;
      }
      if (!headingAnchors(readFileSync(file, 'utf8')).has(anchor)) broken.push(`${target}: ${file} has no heading #${anchor}`);
    }
    expect(broken).toEqual([]);
  });

  it('computes anchors as GitHub does', () => {
    const anchors = headingAnchors("# A\n## What the hub checks, in order\n## The recipient's line\n```\n# not a heading\n```\n## `wasla` command\n## A\n");
    expect([...anchors]).toEqual(['a', 'what-the-hub-checks-in-order', 'the-recipients-line', 'wasla-command', 'a-1']);
  });

  it('finds the links it checks', () => {
    expect(links('README.md').filter((l) => !/^https?:/.test(l.target)).length).toBeGreaterThan(10);
  });

  it('nothing in the repository points at notes outside it', () => {
    // the private notes the project was started from, spelt so that this file does not name them
    const notes = new RegExp(`${['\\.\\.', 'shared'].join('/')}/(DESIGN|STYLE|STACK|DOMAIN)\\.md|${['', 'work', 'shared'].join('/')}\\b`);
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' })
      .split('\n')
      .filter((f) => f && existsSync(f) && !/\.(png|jpg|ico|pem|der)$|package-lock\.json$/.test(f));
    expect(files.filter((f) => notes.test(readFileSync(f, 'utf8')))).toEqual([]);
  });
});
