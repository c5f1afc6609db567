/**
 * Spec citations resolve (docs/spec/README.md, "Citing the spec"). In code (src/, test/, bench/,
 * emulators/, scripts/, bin/) a citation is the spec file's path relative to the citing file, then
 * its sections: `../../docs/spec/runner-behaviour.md §3.6`, `… §10.2.4–§10.2.5`, `… §3.4, §3.5`.
 * Every `§` on a line belongs to the nearest spec path before it on that line, so each line that
 * cites carries its own path. This test fails when a `§` has no path before it on its line, when a
 * spec file is named any other way, when the path does not lead to the file, or when the section
 * is not a heading of that file. In Markdown (README.md, docs/, emulators/*\/README.md), links into
 * docs/spec/ (and every link of the spec documents) must lead to an existing file and, with an
 * anchor, to one of its headings.
 *
 * This file itself is not scanned: its patterns would cite nothing.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const SPEC_DIR = join(ROOT, 'docs/spec');
const SPEC_DOCS = ['runner-behaviour', 'backend-orchestrator-contract', 'seed-runner-readme'];
const CODE_DIRS = ['src', 'test', 'bench', 'emulators', 'scripts', 'bin'];
const CODE_EXT = /\.(ts|js|mjs|cjs)$/;
const SELF = relative(ROOT, __filename);

/** A spec file named in code: optional leading path, then the file name (with or without `.md`). */
const MENTION = new RegExp(`[\\w./-]*(?:${SPEC_DOCS.join('|')})(?:\\.md)?`, 'g');
/** The one accepted form: `../` segments, then `docs/spec/<name>.md`. */
const CITATION_PATH = new RegExp(`^(?:\\.\\./)+docs/spec/(?:${SPEC_DOCS.join('|')})\\.md$`);
const SECTION = /§([0-9A-Z]+(?:\.[0-9]+)*)/g;

function walk(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else out.push(path);
  }
  return out;
}

/** Section numbers of a spec document: `## 3. Intent…` → 3, `### 3.6 …` → 3.6, `## A. …` → A, `#### 10.2.3 …`. */
function sectionsOf(file: string): Set<string> {
  const ids = new Set<string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^#{1,6}\s+([0-9]+|[A-Z])((?:\.[0-9]+)*)\.?\s/.exec(line);
    if (m) ids.add(m[1] + m[2]);
  }
  return ids;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const m = /^#{1,6}\s+(.*)$/.exec(line);
    if (fenced || !m) continue;
    anchors.add(
      m[1]
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-'),
    );
  }
  return anchors;
}

const sectionCache = new Map<string, Set<string>>();
function sections(file: string): Set<string> {
  if (!sectionCache.has(file)) sectionCache.set(file, sectionsOf(file));
  return sectionCache.get(file)!;
}

/** Every problem with the spec citations of one code file, as `file:line: what`. */
export function citationProblems(file: string, text: string): string[] {
  const problems: string[] = [];
  const rel = relative(ROOT, file);
  text.split('\n').forEach((line, index) => {
    const where = `${rel}:${index + 1}`;
    const paths: Array<{ at: number; target: string | null }> = [];
    for (const m of line.matchAll(MENTION)) {
      const token = m[0];
      if (!CITATION_PATH.test(token)) {
        problems.push(`${where}: "${token}" is not a relative path to docs/spec/<file>.md`);
        paths.push({ at: m.index!, target: null });
        continue;
      }
      const target = resolve(dirname(file), token);
      if (dirname(target) !== SPEC_DIR || !existsSync(target)) {
        problems.push(`${where}: "${token}" does not lead to a file of docs/spec/ from ${dirname(rel)}/`);
        paths.push({ at: m.index!, target: null });
        continue;
      }
      paths.push({ at: m.index!, target });
    }
    for (const m of line.matchAll(SECTION)) {
      const owner = paths.filter((p) => p.at < m.index!).pop();
      if (!owner) {
        problems.push(`${where}: §${m[1]} has no spec path before it on its line`);
      } else if (owner.target && !sections(owner.target).has(m[1])) {
        problems.push(`${where}: §${m[1]} is not a section heading of ${relative(ROOT, owner.target)}`);
      }
    }
  });
  return problems;
}

/** Links into docs/spec/ from a Markdown file: the file must exist, an anchor must be a heading's. */
function markdownLinkProblems(file: string): string[] {
  const problems: string[] = [];
  const rel = relative(ROOT, file);
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, index) => {
      for (const m of line.replace(/`[^`]*`/g, '').matchAll(/\]\(([^)\s]+)\)/g)) {
        const [target, anchor] = m[1].split('#');
        if (/^[a-z]+:/.test(target)) continue;
        const path = target === '' ? file : resolve(dirname(file), target);
        if (!path.startsWith(SPEC_DIR) && !file.startsWith(SPEC_DIR)) continue;
        if (!existsSync(path)) problems.push(`${rel}:${index + 1}: ${m[1]} does not exist`);
        else if (anchor && path.endsWith('.md') && !anchorsOf(path).has(anchor)) {
          problems.push(`${rel}:${index + 1}: #${anchor} is not a heading of ${relative(ROOT, path)}`);
        }
      }
    });
  return problems;
}

describe('spec citations', () => {
  it('the spec documents are in docs/spec/ and their cited numbering is headings', () => {
    for (const doc of SPEC_DOCS) expect(existsSync(join(SPEC_DIR, `${doc}.md`))).toBe(true);
    const behaviour = sections(join(SPEC_DIR, 'runner-behaviour.md'));
    const contract = sections(join(SPEC_DIR, 'backend-orchestrator-contract.md'));
    expect(['1.2', '3.6', '10.2.3', '14.8'].filter((s) => !behaviour.has(s))).toEqual([]);
    expect(['0', 'A', 'A.5', 'C.11', 'E.3'].filter((s) => !contract.has(s))).toEqual([]);
  });

  it('the checker accepts the citation form and refuses the others', () => {
    const file = join(ROOT, 'src/workflows/item/workflow.ts');
    const ok = '/** ../../../docs/spec/runner-behaviour.md §3.6, §7 and ../../../docs/spec/backend-orchestrator-contract.md §A.5 */';
    expect(citationProblems(file, ok)).toEqual([]);
    expect(citationProblems(file, '// runner-behaviour.md §3.6')).toHaveLength(1);
    expect(citationProblems(file, '// §3.6')).toHaveLength(1);
    expect(citationProblems(file, '// ../../docs/spec/runner-behaviour.md §3.6')).toHaveLength(1);
    expect(citationProblems(file, '// ../../../docs/spec/runner-behaviour.md §3.99')).toHaveLength(1);
    expect(citationProblems(file, '// ../../../docs/spec/runner-behaviour.md §3.6, contract §A.5')).toHaveLength(1);
  });

  it('every citation in code resolves', () => {
    const files = CODE_DIRS.flatMap((d) => walk(join(ROOT, d))).filter((f) => CODE_EXT.test(f) && relative(ROOT, f) !== SELF);
    expect(files.length).toBeGreaterThan(100);
    const problems = files.flatMap((f) => citationProblems(f, readFileSync(f, 'utf8')));
    expect(problems).toEqual([]);
  });

  it('every Markdown link into docs/spec/ resolves', () => {
    const docs = [join(ROOT, 'README.md'), join(ROOT, 'SPEC.md'), ...walk(join(ROOT, 'docs')), ...walk(join(ROOT, 'emulators')).filter((f) => f.endsWith('README.md'))].filter(
      (f) => f.endsWith('.md') && existsSync(f),
    );
    expect(docs.flatMap(markdownLinkProblems)).toEqual([]);
  });
});
